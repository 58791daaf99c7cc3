#include "tinyformer/toolkit/trainer.h"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <numeric>
#include <random>

#include <ATen/CPUGeneratorImpl.h>

#include "tinyformer/engine/error.h"
#include "tinyformer/toolkit/model_torch.h"
#include "tinyformer/toolkit/supernet.h"

namespace tinyformer::toolkit {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string format_duration(double seconds)
{
    const long s = std::lround(std::max(0.0, seconds));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    return buf;
}

// The progress line: "\r" rewrites on a terminal; elsewhere (logs) one line per
// epoch and at most one every 30 s in between.
class Progress {
public:
    explicit Progress(bool enabled) : enabled_(enabled), tty_(enabled && isatty(fileno(stderr)) != 0) {}

    void update(int32_t epoch, int32_t epochs, int64_t step, int64_t steps, double loss, double accuracy,
                double images_per_second, double lr, double eta_seconds, bool epoch_done)
    {
        if (!enabled_) {
            return;
        }
        const double since = seconds_since(last_);
        if (!epoch_done && since < (tty_ ? 0.25 : 30.0)) {
            return;
        }
        last_ = Clock::now();
        std::fprintf(stderr, "%sepoch %d/%d [%lld/%lld] loss %.4f acc %.2f%% %.1f img/s lr %.2e ETA %s%s",
                     tty_ ? "\r" : "", epoch + 1, epochs, static_cast<long long>(step), static_cast<long long>(steps),
                     loss, 100.0 * accuracy, images_per_second, lr, format_duration(eta_seconds).c_str(),
                     tty_ ? "\033[K" : "\n");
        if (tty_ && epoch_done) {
            std::fputc('\n', stderr);
        }
        std::fflush(stderr);
    }

private:
    bool enabled_;
    bool tty_;
    Clock::time_point last_ = Clock::now();
};

// A training step frees and reallocates the same activation and gradient
// buffers (megabytes each). glibc hands blocks that large back to the kernel
// (mmap threshold, heap trimming), so every step page-faults them in again:
// ~2,000 faults a step on the fmnist model, a quarter of its CPU time. Keep
// freed memory in the heap for reuse instead; the process keeps its peak.
void keep_freed_memory_for_reuse()
{
#ifdef __GLIBC__
    static const bool done = [] {
        mallopt(M_MMAP_THRESHOLD, 512 << 20);
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
        return true;
    }();
    (void)done;
#endif
}

torch::Tensor images_tensor(const Batch& b, const ArchConfig& c, const torch::Device& device)
{
    TF_CHECK(b.size > 0 && static_cast<int64_t>(b.labels.size()) == b.size, "batch: ", b.labels.size(),
             " labels for ", b.size, " images");
    TF_CHECK(b.layout == Layout::NCHW, "batch: images must be NCHW (LoaderOptions::layout) for the model");
    TF_CHECK(b.shape.channels == c.input_c && b.shape.height == c.input_h && b.shape.width == c.input_w,
             "batch: images are ", b.shape.height, "x", b.shape.width, "x", b.shape.channels,
             " (HxWxC), the model takes ", c.input_h, "x", c.input_w, "x", c.input_c);
    TF_CHECK(static_cast<int64_t>(b.images.size()) == b.size * b.shape.pixels(), "batch: ", b.images.size(),
             " values for ", b.size, " images of ", b.shape.pixels());
    // from_blob does not copy; clone() / to() give the tensor its own memory.
    const torch::Tensor t = torch::from_blob(const_cast<float*>(b.images.data()),
                                             {b.size, c.input_c, c.input_h, c.input_w}, torch::kFloat);
    return device.is_cpu() ? t.clone() : t.to(device);
}

torch::Tensor labels_tensor(const Batch& b, int32_t classes, const torch::Device& device)
{
    for (int32_t y : b.labels) {
        TF_CHECK(y >= 0 && y < classes, "batch: label ", y, " is outside [0, ", classes, ") of the model");
    }
    const torch::Tensor t = torch::from_blob(const_cast<int32_t*>(b.labels.data()), {b.size}, torch::kInt);
    return t.to(device, torch::kLong);
}

torch::Device pick_device(bool use_cuda)
{
    return use_cuda && torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
}

// AdamW with weight decay on conv / linear weights (dim >= 2) only.
std::unique_ptr<torch::optim::AdamW> make_optimizer(torch::nn::Module& m, const TrainerOptions& o)
{
    std::vector<torch::Tensor> decay, no_decay;
    for (const auto& p : m.parameters()) {
        (p.dim() >= 2 ? decay : no_decay).push_back(p);
    }
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(
                                   torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay)));
    groups.emplace_back(no_decay,
                        std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(o.lr).weight_decay(0)));
    return std::make_unique<torch::optim::AdamW>(std::move(groups), torch::optim::AdamWOptions(o.lr));
}

// Module::to() has no memory-format overload: convert the 4-D parameters.
void to_memory_format(torch::nn::Module& m, bool channels_last)
{
    const auto format = channels_last ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous;
    torch::NoGradGuard no_grad;
    for (auto& p : m.parameters()) {
        if (p.dim() == 4) {
            p.set_data(p.contiguous(format));
        }
    }
}

torch::Tensor in_format(const torch::Tensor& x, bool channels_last)
{
    return channels_last ? x.contiguous(torch::MemoryFormat::ChannelsLast) : x;
}

void set_lr(torch::optim::AdamW& optimizer, double lr)
{
    for (auto& g : optimizer.param_groups()) {
        static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
    }
}

torch::Tensor cpu_rng_state()
{
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return gen.get_state();
}

void set_cpu_rng_state(const torch::Tensor& state)
{
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
}

// Checkpoint: {model, optimizer, epochs_completed, cpu_rng[, hooks_state]}. Written to a
// temporary file and renamed, so an interruption while saving keeps the
// previous checkpoint whole.
void save_checkpoint(const std::string& path, torch::nn::Module& m, torch::optim::AdamW& optimizer,
                     int32_t epochs_completed, const TrainingHooks& hooks)
{
    torch::serialize::OutputArchive archive, model_archive, optimizer_archive;
    m.save(model_archive);
    optimizer.save(optimizer_archive);
    archive.write("model", model_archive);
    archive.write("optimizer", optimizer_archive);
    archive.write("epochs_completed", torch::tensor(static_cast<int64_t>(epochs_completed)));
    archive.write("cpu_rng", cpu_rng_state());
    if (hooks.save_state) {
        std::string state = hooks.save_state();
        archive.write("hooks_state",
                      torch::tensor(std::vector<uint8_t>(state.begin(), state.end()), torch::kUInt8));
    }
    const std::string tmp = path + ".tmp";
    try {
        archive.save_to(tmp);
    } catch (const c10::Error& e) {
        TF_CHECK(false, "checkpoint: cannot write '", tmp, "': ", e.what_without_backtrace());
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    TF_CHECK(!ec, "checkpoint: cannot rename '", tmp, "' to '", path, "': ", ec.message());
}

int32_t load_checkpoint(const std::string& path, torch::nn::Module& m, torch::optim::AdamW& optimizer,
                        const torch::Device& device, const TrainingHooks& hooks)
{
    try {
        torch::serialize::InputArchive archive, model_archive, optimizer_archive;
        archive.load_from(path, device);
        TF_CHECK(archive.try_read("model", model_archive), "checkpoint '", path, "' has no model");
        load_checked(m, model_archive, "checkpoint '" + path + "' (another config or options?)");
        archive.read("optimizer", optimizer_archive);
        optimizer.load(optimizer_archive);
        torch::Tensor epochs, rng;
        archive.read("epochs_completed", epochs);
        archive.read("cpu_rng", rng);
        set_cpu_rng_state(rng.cpu());
        if (hooks.load_state) {
            torch::Tensor state;
            TF_CHECK(archive.try_read("hooks_state", state), "checkpoint '", path,
                     "' has no hooks state (pruning state): it was written by a run without them");
            state = state.cpu().contiguous();
            const auto* bytes = state.data_ptr<uint8_t>();
            hooks.load_state(std::string(bytes, bytes + state.numel()));
        }
        return static_cast<int32_t>(epochs.item<int64_t>());
    } catch (const c10::Error& e) {
        TF_CHECK(false, "checkpoint '", path, "' does not fit this model (another config or options?): ",
                 e.what_without_backtrace());
    }
    return 0;
}

}  // namespace

BatchSource batch_source(BatchLoader& loader)
{
    BatchSource s;
    s.batches_per_epoch = loader.batches_per_epoch();
    s.start_epoch = [&loader](int64_t epoch) { loader.start_epoch(epoch); };
    s.next = [&loader](Batch& out) { return loader.next(out); };
    return s;
}

double learning_rate(const TrainerOptions& o, int64_t step, int64_t steps_per_epoch)
{
    const double warmup = o.warmup_epochs * static_cast<double>(steps_per_epoch);
    const double total = static_cast<double>(o.epochs) * static_cast<double>(steps_per_epoch);
    const double s = static_cast<double>(step);
    if (s < warmup) {
        return o.warmup_start_lr + (o.lr - o.warmup_start_lr) * s / warmup;
    }
    const double span = total - warmup;
    const double t = span > 0 ? std::clamp((s - warmup) / span, 0.0, 1.0) : 1.0;
    return o.min_lr + 0.5 * (o.lr - o.min_lr) * (1.0 + std::cos(M_PI * t));
}

Trainer::Trainer(const TrainerOptions& o) : options_(o)
{
    TF_CHECK(o.epochs >= 1, "trainer: epochs = ", o.epochs, " must be >= 1");
    TF_CHECK(o.lr > 0 && o.warmup_start_lr >= 0 && o.min_lr >= 0, "trainer: learning rates (lr ", o.lr,
             ", warmup_start_lr ", o.warmup_start_lr, ", min_lr ", o.min_lr, ") must be >= 0 and lr > 0");
    TF_CHECK(o.warmup_epochs >= 0, "trainer: warmup_epochs = ", o.warmup_epochs, " must be >= 0");
    TF_CHECK(o.weight_decay >= 0, "trainer: weight_decay = ", o.weight_decay, " must be >= 0");
    TF_CHECK(o.label_smoothing >= 0 && o.label_smoothing < 1, "trainer: label_smoothing = ", o.label_smoothing,
             " must be in [0, 1)");
    TF_CHECK(o.threads >= 0, "trainer: threads = ", o.threads, " must be >= 0 (0: LibTorch's default)");
    TF_CHECK(o.max_epochs_this_run >= 0, "trainer: max_epochs_this_run = ", o.max_epochs_this_run, " must be >= 0");
}

namespace {

// The training loop of fit and fit_supernet. `root` holds every trained
// parameter (optimizer, checkpoint, device, train mode); path_at(step) is the
// single path that runs at global step `step` (its parameters are root's).
TrainResult train_loop(const TrainerOptions& o, torch::nn::Module& m, const ArchConfig& config,
                       const std::function<std::shared_ptr<SinglePathModuleImpl>(int64_t step)>& path_at,
                       const BatchSource& train)
{
    TF_CHECK(train.next && train.start_epoch && train.batches_per_epoch > 0, "trainer: the training source is empty");
    if (o.threads > 0) {
        torch::set_num_threads(o.threads);
    }
    keep_freed_memory_for_reuse();
    const torch::Device device = pick_device(o.use_cuda);
    m.to(device);
    to_memory_format(m, o.channels_last);
    auto optimizer = make_optimizer(m, o);
    const std::vector<torch::Tensor> parameters = m.parameters();
    torch::nn::CrossEntropyLoss criterion(torch::nn::CrossEntropyLossOptions().label_smoothing(o.label_smoothing));

    TrainResult result;
    if (!o.checkpoint_path.empty() && o.resume && std::filesystem::exists(o.checkpoint_path)) {
        result.first_epoch = load_checkpoint(o.checkpoint_path, m, *optimizer, device, o.hooks);
    }
    const int64_t steps_per_epoch = train.batches_per_epoch;
    const int32_t end_epoch =
        o.max_epochs_this_run > 0 ? std::min(o.epochs, result.first_epoch + o.max_epochs_this_run) : o.epochs;
    const int64_t steps_this_run = (end_epoch - result.first_epoch) * steps_per_epoch;
    int64_t steps_done_this_run = 0;
    const Clock::time_point run_start = Clock::now();
    Progress progress(o.progress);
    Batch batch;
    result.epochs_completed = result.first_epoch;

    for (int32_t epoch = result.first_epoch; epoch < end_epoch; epoch++) {
        m.train();
        const Clock::time_point epoch_start = Clock::now();
        double loss_sum = 0;
        int64_t correct = 0, seen = 0;
        double lr = 0;
        train.start_epoch(epoch);
        for (int64_t index = 0; train.next(batch); index++) {
            lr = learning_rate(o, epoch * steps_per_epoch + index, steps_per_epoch);
            set_lr(*optimizer, lr);
            const torch::Tensor x = in_format(images_tensor(batch, config, device), o.channels_last);
            const torch::Tensor y = labels_tensor(batch, config.classes, device);
            // Gradients to "none", not zero: AdamW then leaves the parameters a step did not use (a
            // supernet's other candidates) alone, where a zero gradient would still move them.
            for (const torch::Tensor& p : parameters) {
                p.mutable_grad() = torch::Tensor();
            }
            const std::shared_ptr<SinglePathModuleImpl> path = path_at(epoch * steps_per_epoch + index);
            const torch::Tensor logits = path->forward(x);
            const torch::Tensor loss = criterion(logits, y);
            loss.backward();
            const int64_t step = epoch * steps_per_epoch + index;
            if (o.hooks.before_step) {
                o.hooks.before_step(step);
            }
            optimizer->step();
            if (o.hooks.after_step) {
                o.hooks.after_step(step);
            }

            loss_sum += loss.item<double>() * batch.size;
            correct += logits.argmax(1).eq(y).sum().item<int64_t>();
            seen += batch.size;
            steps_done_this_run++;
            const double elapsed = seconds_since(run_start);
            const double eta =
                elapsed / static_cast<double>(steps_done_this_run) *
                static_cast<double>(std::max<int64_t>(0, steps_this_run - steps_done_this_run));
            progress.update(epoch, o.epochs, index + 1, steps_per_epoch, loss_sum / static_cast<double>(seen),
                            static_cast<double>(correct) / static_cast<double>(seen),
                            static_cast<double>(seen) / seconds_since(epoch_start), lr, eta, false);
        }
        TF_CHECK(seen > 0, "trainer: the training source gave no batch in epoch ", epoch);
        EpochStats s;
        s.epoch = epoch;
        s.loss = loss_sum / static_cast<double>(seen);
        s.accuracy = static_cast<double>(correct) / static_cast<double>(seen);
        s.seconds = seconds_since(epoch_start);
        s.images_per_second = static_cast<double>(seen) / s.seconds;
        s.last_lr = lr;
        result.epochs.push_back(s);
        result.epochs_completed = epoch + 1;
        if (!o.checkpoint_path.empty()) {
            save_checkpoint(o.checkpoint_path, m, *optimizer, epoch + 1, o.hooks);
        }
        const double eta = seconds_since(run_start) / static_cast<double>(steps_done_this_run) *
                           static_cast<double>(std::max<int64_t>(0, steps_this_run - steps_done_this_run));
        progress.update(epoch, o.epochs, steps_per_epoch, steps_per_epoch, s.loss, s.accuracy, s.images_per_second,
                        lr, eta, true);
        if (o.on_epoch_end) {
            o.on_epoch_end(s);
        }
    }
    return result;
}

}  // namespace

TrainResult Trainer::fit(SinglePathModel& model, const BatchSource& train) const
{
    const std::shared_ptr<SinglePathModuleImpl> m = model.module_ptr();
    return train_loop(options_, *m, model.config(), [&](int64_t) { return m; }, train);
}

ArchConfig supernet_path_at(const SupernetSpace& space, uint64_t path_seed, int64_t step)
{
    std::mt19937_64 rng(path_seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(step));
    return space.sample(rng);
}

TrainResult Trainer::fit_supernet(Supernet& supernet, const BatchSource& train) const
{
    supernet.create_all_candidates();  // the optimizer must see every candidate's weights
    const uint64_t seed = options_.path_seed;
    return train_loop(
        options_, supernet.shared(), supernet.space().base,
        [&](int64_t step) { return supernet.path(supernet_path_at(supernet.space(), seed, step)).module_ptr(); },
        train);
}

void Trainer::recalibrate_batch_norm(SinglePathModel& model, const BatchSource& data, int64_t batches) const
{
    TF_CHECK(data.next && data.start_epoch, "recalibrate_batch_norm: the data source is empty");
    TF_CHECK(batches >= 0, "recalibrate_batch_norm: batches = ", batches, " must be >= 0");
    if (options_.threads > 0) {
        torch::set_num_threads(options_.threads);
    }
    const torch::Device device = pick_device(options_.use_cuda);
    SinglePathModuleImpl& m = model.module();
    m.to(device);
    to_memory_format(m, options_.channels_last);
    std::vector<std::pair<torch::nn::BatchNorm2d, c10::optional<double>>> norms;
    for (size_t i = 0; i < m.layers().size(); i++) {
        torch::nn::BatchNorm2d bn = m.layer_modules(i).bn;  // a non-const holder of the same module
        if (bn) {
            norms.emplace_back(bn, bn->options.momentum());
            bn->options.momentum(c10::nullopt);  // cumulative average over the batches seen
            bn->reset_running_stats();
        }
    }
    if (norms.empty()) {
        return;
    }
    m.train();
    torch::NoGradGuard no_grad;
    Batch batch;
    data.start_epoch(0);
    for (int64_t b = 0; (batches == 0 || b < batches) && data.next(batch); b++) {
        m.forward(in_format(images_tensor(batch, model.config(), device), options_.channels_last));
    }
    for (auto& [bn, momentum] : norms) {
        bn->options.momentum(momentum);
    }
    m.eval();
}

EvalResult Trainer::evaluate(SinglePathModel& model, const BatchSource& data) const
{
    TF_CHECK(data.next && data.start_epoch, "evaluate: the data source is empty");
    if (options_.threads > 0) {
        torch::set_num_threads(options_.threads);
    }
    const torch::Device device = pick_device(options_.use_cuda);
    SinglePathModuleImpl& m = model.module();
    m.to(device);
    to_memory_format(m, options_.channels_last);
    m.eval();
    torch::NoGradGuard no_grad;
    EvalResult r;
    double loss_sum = 0;
    int64_t correct = 0;
    Batch batch;
    data.start_epoch(0);
    while (data.next(batch)) {
        const torch::Tensor x = in_format(images_tensor(batch, model.config(), device), options_.channels_last);
        const torch::Tensor y = labels_tensor(batch, model.config().classes, device);
        const torch::Tensor logits = m.forward(x);
        loss_sum += torch::nn::functional::cross_entropy(logits, y).item<double>() * batch.size;
        correct += logits.argmax(1).eq(y).sum().item<int64_t>();
        r.examples += batch.size;
    }
    if (r.examples > 0) {
        r.loss = loss_sum / static_cast<double>(r.examples);
        r.accuracy = static_cast<double>(correct) / static_cast<double>(r.examples);
    }
    return r;
}

double measure_training_throughput(SinglePathModel& model, int32_t batch_size, int32_t iterations, int32_t threads,
                                   bool channels_last, int32_t warmup)
{
    TF_CHECK(batch_size >= 1 && iterations >= 1 && warmup >= 0, "throughput: batch ", batch_size, ", iterations ",
             iterations, ", warmup ", warmup, " must be positive");
    if (threads > 0) {
        torch::set_num_threads(threads);
    }
    keep_freed_memory_for_reuse();
    const ArchConfig& c = model.config();
    SinglePathModuleImpl& m = model.module();
    m.train();
    to_memory_format(m, channels_last);
    TrainerOptions o;
    auto optimizer = make_optimizer(m, o);
    const std::vector<torch::Tensor> parameters = m.parameters();
    torch::nn::CrossEntropyLoss criterion(torch::nn::CrossEntropyLossOptions().label_smoothing(0.1));
    const torch::Tensor x = in_format(torch::randn({batch_size, c.input_c, c.input_h, c.input_w}), channels_last);
    const torch::Tensor y = torch::randint(0, c.classes, {batch_size}, torch::kLong);
    Clock::time_point start;
    for (int32_t i = 0; i < warmup + iterations; i++) {
        if (i == warmup) {
            start = Clock::now();
        }
        for (const torch::Tensor& p : parameters) {
            p.mutable_grad() = torch::Tensor();  // as the training loop does
        }
        criterion(m.forward(x), y).backward();
        optimizer->step();
    }
    return static_cast<double>(batch_size) * iterations / seconds_since(start);
}

}  // namespace tinyformer::toolkit
