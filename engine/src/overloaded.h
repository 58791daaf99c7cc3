// Overloaded{lambdas...}: one visitor from several lambdas, for std::visit over
// a LayerCall (compiled_model.h).
#pragma once

namespace tinyformer::engine {

template <class... Fs>
struct Overloaded : Fs... {
    using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace tinyformer::engine
