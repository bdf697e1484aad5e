// Example reviews for the demo, written for it (none comes from IMDB).
export const examples = [
  {
    name: 'Glowing',
    text:
      'What a wonderful surprise this film turned out to be. The cast is superb, the script is ' +
      'sharp and genuinely funny, and the last twenty minutes had me on the edge of my seat. ' +
      'I loved every minute of it and I will happily watch it again.',
  },
  {
    name: 'Scathing',
    text:
      'I really wanted to like this, but it is a mess from start to finish. The plot makes no ' +
      'sense, the dialogue is painfully bad and the acting is wooden. Two hours of my life I will ' +
      'never get back. Avoid it.',
  },
  {
    name: 'Mixed',
    text:
      'The photography is gorgeous and the score is lovely. Sadly the story is thin, and the ' +
      'second half drags badly. Worth seeing once for the visuals, but I would not buy it.',
  },
  {
    name: 'With emoji',
    text:
      'Saw it last night with friends 🍿🎬 Honestly the best comedy of the year 😂😂 ' +
      'The lead is brilliant 👏🏽 and the soundtrack slaps. Go see it! ❤️',
  },
  {
    name: 'Long',
    text: [
      'I went in with low expectations. The trailer made it look like yet another loud sequel, ' +
        'and the first film was only fine. I am glad to say I was wrong.',
      'The opening is slow, I admit. For almost half an hour we meet characters who seem to ' +
        'have nothing to do with each other, and a couple of the scenes in the office could have ' +
        'been cut without losing anything. A friend of mine nearly fell asleep.',
      'Then the pieces start to fit together, and from there the film never lets go. The ' +
        'writing is clever without showing off, the dialogue sounds like people actually talk, ' +
        'and the two leads have real chemistry. The scene on the night train is one of the most ' +
        'tense things I have seen in a cinema in years.',
      'It is not perfect. The villain is a cartoon, the music is far too loud in places, and ' +
        'the ending explains more than it needs to. But these are small complaints about a film ' +
        'that is smart, moving and often very funny.',
      'Highly recommended. See it on the biggest screen you can find.',
    ].join('\n\n'),
  },
  {
    name: 'Backhanded',
    text:
      'Not bad at all, actually. I expected a dull, lazy cash-in, but it was anything but ' +
      'boring. The jokes mostly land and nobody in the cast phones it in.',
  },
];
