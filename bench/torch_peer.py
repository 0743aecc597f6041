# The PyTorch peer of `npm run bench` (section torch: bench/torch.ts; the bridge: bench/torch-peer.ts).
# It builds each workload's model in PyTorch, the same computation as radam-run's (src/models/*.ts), and
# times Adam training steps on it. Input (stdin): {"measure": {"sampleMs", "samples", "warmupMs"},
# "threads": n, "workloads": [...]}, each workload described by bench/torch-peer.ts (torchWorkload).
# Output (stdout): one JSON object (main()). The timing protocol is bench/measure.ts's, step for step.
import json
import math
import sys
import time


def measure(run, o):
    """bench/measure.ts measure(): seconds per iteration (median, min, max) and the batch size used."""
    iterations, spent, per_iteration, batches = 1, 0.0, math.inf, 1
    while True:
        t0 = time.perf_counter()
        run(iterations)
        dt = (time.perf_counter() - t0) * 1e3
        spent += dt
        long_enough = dt >= o["sampleMs"] / 4
        if long_enough:
            per_iteration = dt / iterations
        if long_enough and spent >= o["warmupMs"] and batches >= 3:
            break
        if not long_enough:
            iterations *= 2
        batches += 1
    iterations = max(1, round(o["sampleMs"] / per_iteration))
    per_iter = []
    for _ in range(o["samples"]):
        t0 = time.perf_counter()
        run(iterations)
        per_iter.append((time.perf_counter() - t0) / iterations)
    per_iter.sort()
    mid = len(per_iter) // 2
    median = per_iter[mid] if len(per_iter) % 2 == 1 else (per_iter[mid - 1] + per_iter[mid]) / 2
    return {"median": median, "min": per_iter[0], "max": per_iter[-1], "iterations": iterations, "samples": o["samples"]}


def blas_in_use(torch):
    """Which BLAS this process loaded: the shared objects mapped after a matmul (Linux), else torch's build info."""
    a = torch.ones(64, 64)
    (a @ a).sum().item()
    libs = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                name = path.rsplit("/", 1)[-1]
                if any(k in name for k in ("blas", "mkl_", "libmkl", "atlas", "blis")):
                    libs.add(path)
    except OSError:
        pass
    if any("openblas" in p for p in libs):
        kind = "openblas"
    elif any("mkl" in p for p in libs):
        kind = "mkl"
    elif any("blis" in p for p in libs):
        kind = "blis"
    elif any("atlas" in p for p in libs):
        kind = "atlas"
    elif libs:
        # Debian's /usr/lib/<arch>/blas/libblas.so.3 (package libblas3) is the Netlib reference BLAS.
        kind = "reference"
    else:
        info = torch.__config__.show()
        kind = "mkl" if "BLAS_INFO=mkl" in info else "unknown"
    return {"kind": kind, "libs": sorted(libs)}


def mlp(nn, w):
    acts = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": lambda: nn.GELU(approximate="tanh")}
    widths, layers = w["widths"], []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(acts[w["activation"]]())
    return nn.Sequential(*layers)


def cnn(nn, w):
    """conv → ReLU → (max-pool) blocks, flatten (NCHW order, as ours), ReLU dense layers, linear output."""
    layers, (c, h, wd) = [], w["input"]
    for conv in w["conv"]:
        top, bottom, left, right = conv["pad"]
        if top == bottom and left == right:
            layers.append(nn.Conv2d(c, conv["channels"], conv["kernel"], conv["stride"], padding=(top, left)))
        else:
            # TensorFlow's 'same' with an odd total: the extra row/column goes after, as src/nn/conv2d.ts does.
            layers += [nn.ZeroPad2d((left, right, top, bottom)), nn.Conv2d(c, conv["channels"], conv["kernel"], conv["stride"])]
        layers.append(nn.ReLU())
        if conv["pool"] is not None:
            layers.append(nn.MaxPool2d(conv["pool"]["kernel"], conv["pool"]["stride"]))
        c = conv["channels"]
    layers.append(nn.Flatten())
    widths = [w["flat"], *w["dense"], w["classes"]]
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def lstm_model(torch, nn, w):
    """Embedding → nn.LSTM stack (time-major, as ours) → linear head over every position."""
    V, E, H = w["vocab"], w["embed"], w["hidden"]

    class CharLstm(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(V, E)
            self.lstm = nn.LSTM(E, H, w["layers"])
            self.head = nn.Linear(H, V)
            # Ours has one bias per gate row (b_ih + b_hh are redundant): keep b_hh at zero, out of training.
            for name, p in self.lstm.named_parameters():
                if name.startswith("bias_hh"):
                    p.requires_grad_(False)
                    p.data.zero_()

        def forward(self, tokens):  # (T, B)
            h, _ = self.lstm(self.embed(tokens))
            return self.head(h)

    return CharLstm()


def transformer_model(torch, nn, w):
    """src/models/transformer.ts: token + learned position embeddings, causal attention (full T×T scores,
    masked), tanh-GELU MLP, pre- or post-norm, final LayerNorm (pre only), untied linear head."""
    F_ = torch.nn.functional
    V, C, NH, T = w["vocab"], w["d_model"], w["heads"], w["seqLen"]
    pre = w["norm"] == "pre"
    acts = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": lambda: nn.GELU(approximate="tanh")}

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1, self.ln_2 = nn.LayerNorm(C), nn.LayerNorm(C)
            self.qkv, self.proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
            self.mlp = nn.Sequential(nn.Linear(C, w["d_ff"]), acts[w["activation"]](), nn.Linear(w["d_ff"], C))
            self.register_buffer("mask", torch.ones(T, T, dtype=torch.bool).triu(1))

        def attn(self, x):
            B = x.shape[0]
            q, k, v = self.qkv(x).split(C, dim=2)
            q, k, v = (t.view(B, T, NH, C // NH).transpose(1, 2) for t in (q, k, v))
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(C // NH))
            att = F_.softmax(att.masked_fill(self.mask, float("-inf")), dim=-1)
            return self.proj((att @ v).transpose(1, 2).reshape(B, T, C))

        def forward(self, x):
            if pre:
                x = x + self.attn(self.ln_1(x))
                return x + self.mlp(self.ln_2(x))
            x = self.ln_1(x + self.attn(x))
            return self.ln_2(x + self.mlp(x))

    class Transformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte, self.wpe = nn.Embedding(V, C), nn.Embedding(w["context"], C)
            self.blocks = nn.Sequential(*[Block() for _ in range(w["layers"])])
            self.ln_f = nn.LayerNorm(C) if pre else nn.Identity()
            self.head = nn.Linear(C, V)
            self.register_buffer("positions", torch.arange(T))

        def forward(self, tokens):  # (B, T)
            return self.head(self.ln_f(self.blocks(self.wte(tokens) + self.wpe(self.positions))))

    return Transformer()


def build(torch, w):
    """The model and one fixed batch (inputs, targets), random, of the workload's shapes and dtypes."""
    nn = torch.nn
    g = torch.Generator().manual_seed(0)
    B, kind = w["batch"], w["kind"]
    if kind == "mlp":
        x = torch.rand(B, w["widths"][0], generator=g)
        return mlp(nn, w), x, torch.randint(w["widths"][-1], (B,), generator=g)
    if kind == "cnn":
        x = torch.rand(B, *w["input"], generator=g)
        return cnn(nn, w), x, torch.randint(w["classes"], (B,), generator=g)
    shape = (w["seqLen"], B) if kind == "lstm" else (B, w["seqLen"])
    tokens = torch.randint(w["vocab"], shape, generator=g)
    targets = torch.randint(w["vocab"], shape, generator=g)
    model = lstm_model(torch, nn, w) if kind == "lstm" else transformer_model(torch, nn, w)
    return model, tokens, targets


def time_workload(torch, w, mo):
    torch.manual_seed(0)
    model, x, y = build(torch, w)
    params = [p for p in model.parameters() if p.requires_grad]
    a = w["adam"]
    opt = torch.optim.Adam(params, lr=a["lr"], betas=tuple(a["betas"]), eps=a["eps"], weight_decay=a["weight_decay"])
    cross_entropy = torch.nn.functional.cross_entropy
    last = {"loss": math.nan}

    def run(iterations):
        for _ in range(iterations):
            opt.zero_grad()
            logits = model(x)
            # mean softmax cross-entropy over every row (every position for the language models)
            loss = cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
            loss.backward()
            opt.step()
            last["loss"] = loss.item()

    timing = measure(run, mo)
    return {"label": w["label"], "params": sum(p.numel() for p in params), "timing": timing, "lastLoss": last["loss"]}


def main():
    request = json.load(sys.stdin)
    import torch

    torch.set_num_threads(request["threads"])
    results = []
    for w in request["workloads"]:
        try:
            results.append(time_workload(torch, w, request["measure"]))
        except Exception as err:  # one workload's failure is reported, the others still run
            results.append({"label": w["label"], "error": f"{type(err).__name__}: {err}"})
    report = {"torch": torch.__version__, "python": sys.version.split()[0], "threads": torch.get_num_threads(),
              "blas": blas_in_use(torch), "results": results}
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
