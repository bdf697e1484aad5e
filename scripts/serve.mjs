#!/usr/bin/env node
// Serves the demo (demo/) and the han-wasm package files it loads (web/src, web/dist,
// web/models) from the repository, read-only, with the MIME types browsers need.
//   node scripts/serve.mjs [PORT]   (default: $PORT or 8000; 0 picks a free port)
// It listens on 127.0.0.1 only, unless HOST says otherwise (e.g. HOST=0.0.0.0). Its pages are
// cross-origin isolated (COOP and COEP headers), which gives them SharedArrayBuffer and so the
// package's threads build.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPOSITORY = fileURLToPath(new URL('..', import.meta.url));
// The only directories served: the page and the files of the package it imports.
const SERVED = ['demo/', 'web/src/', 'web/dist/', 'web/models/'];

const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.md': 'text/markdown; charset=utf-8',
  '.wasm': 'application/wasm',
  '.han': 'application/octet-stream',
};

// The pages' own policy (their <meta> tag), sent with every file too: a header also governs the
// demo's Web Worker, which a page's <meta> policy does not reach.
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
  "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'";

// Cross-origin isolation: the page shares no browsing context group with other origins (COOP) and
// loads nothing another origin has not agreed to (COEP), so the browser gives it shared memory.
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * Starts the server; resolves with it once it listens (server.address().port is the port).
 * `isolated: false` leaves out the cross-origin isolation headers, as most static hosts do.
 */
export function serve({
  port = 8000,
  host = '127.0.0.1',
  root = REPOSITORY,
  isolated = true,
} = {}) {
  const server = createServer((request, response) => {
    if (isolated) {
      for (const [name, value] of Object.entries(ISOLATION_HEADERS)) {
        response.setHeader(name, value);
      }
    }
    respond(root, request, response).catch((error) => {
      if (!response.headersSent) send(response, 500, 'Internal server error');
      else response.destroy(error);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

async function respond(root, request, response) {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return send(response, 405, 'Method not allowed');
  }
  const { pathname } = new URL(request.url, 'http://localhost');
  if (pathname === '/' || pathname === '/demo') {
    response.writeHead(302, { Location: '/demo/' });
    return response.end();
  }
  const file = await servedFile(root, pathname);
  if (!file) return send(response, 404, 'Not found');
  response.writeHead(200, {
    'Content-Type': MIME_TYPES[extname(file.path)] ?? 'application/octet-stream',
    'Content-Length': file.size,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  });
  if (request.method === 'HEAD') return response.end();
  createReadStream(file.path)
    .on('error', (error) => response.destroy(error))
    .pipe(response);
}

// The file a URL path names, or null when it is outside the served directories (after decoding,
// resolving `..` and following symbolic links) or is not a file. A directory gives its index.html.
async function servedFile(root, pathname) {
  let relative;
  try {
    relative = decodeURIComponent(pathname).slice(1);
  } catch {
    return null; // malformed percent-encoding
  }
  if (relative.includes('\0') || relative.includes('\\')) return null;
  if (relative.endsWith('/')) relative += 'index.html';
  const inside = (path) => SERVED.some((dir) => path.startsWith(join(root, dir)));
  const requested = join(root, relative);
  if (!inside(requested)) return null;
  try {
    const path = await realpath(requested);
    const info = await stat(path);
    if (!info.isFile() || !inside(path)) return null;
    return { path, size: info.size };
  } catch {
    return null;
  }
}

function send(response, status, message) {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(`${message}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.argv[2] ?? process.env.PORT ?? 8000);
  try {
    const server = await serve({ port, host: process.env.HOST });
    console.log(`Serving the han-wasm demo at http://localhost:${server.address().port}/`);
    console.log('Press Ctrl+C to stop.');
  } catch (error) {
    const hint =
      error.code === 'EADDRINUSE' ? '; choose another, e.g. PORT=8080 scripts/run.sh' : '';
    console.error(`serve: cannot listen on port ${port}: ${error.message}${hint}`);
    process.exit(1);
  }
}
