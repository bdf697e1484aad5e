#pragma once
// Every attribution method of explain/attribution.h, the gradient ones included: gradient × input
// and integrated gradients run the backward pass (explain/gradients.h), which is why this lives in
// hantrain beside training rather than in the inference library.
#include "explain/attribution.h"

namespace han::explain {

Attribution attribute_with_gradients(const HanParams<float>& p, const Document& doc,
                                     const Options& options, const RaggedOptions& ragged = {});

}  // namespace han::explain
