#!/usr/bin/env python3
"""`make size`: what the core costs on a Cortex-M0+ and a Cortex-M4, written
to bench/size/RESULTS.md.

The core is compiled with arm-none-eabi-gcc (-Os -ffreestanding, one
section per function and object) and linked into a real image with
--gc-sections: bench/size/image.c calls every public entry point through an
opaque port, and the start-up code and linker script are the bare-metal
example's. Only what the public API reaches is kept, so the figures are what
a firmware pays. Each feature set adds the modules of a feature as link
roots (every external function they define), whether or not the engine
calls them yet. Sizes per module come from the linker map; the worst-case
stack from GCC's stack usage and call graph (bench/size/stack.py)."""

import argparse
import datetime
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import linkmap  # noqa: E402
import stack  # noqa: E402

CPUS = [("Cortex-M0+", "cortex-m0plus", ["-mcpu=cortex-m0plus", "-mthumb"]),
        ("Cortex-M4", "cortex-m4", ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=soft"])]
CFLAGS = ["-Os", "-std=c99", "-ffreestanding", "-ffunction-sections", "-fdata-sections"]
LDFLAGS = ["-nostartfiles", "--specs=nano.specs", "-Wl,--gc-sections"]
EXAMPLE = os.path.join(ROOT, "examples", "baremetal")

# (name, what it is, modules of src/core it adds: names or name prefixes*)
FEATURES = [
    ("manifestless", "developer and stable channels from the git tree", []),
    ("+ manifests", "plus releases, manifests and the Ed25519 verification glue",
     ["manifest*", "sig", "release", "hmac"]),
    ("+ delta", "plus delta updates", ["delta*", "moved"]),
    ("+ fleet", "plus headless operation, scheduling and health, links, mirrors and LoRa "
     "notices", ["watchdog", "status_led", "resources", "battery", "schedule", "canary",
                 "health", "gate", "timetext", "links", "link_policy", "mirror", "notice"]),
]
FLASH_TARGET = 24 * 1024
RAM_TARGET = 4 * 1024
PUBLIC_API = ["ota_init", "ota_set_event_cb", "ota_boot", "ota_check", "ota_update",
              "ota_confirm", "ota_rollback",
              "ota_installed", "ota_last_stats", "ota_reason"]
# (the public calls of the fleet features come with their modules)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def tool(name):
    return os.environ.get("CROSS_PREFIX", "arm-none-eabi-") + name


def core_sources():
    return sorted(glob.glob(os.path.join(ROOT, "src", "core", "*.c")))


def modules_of(patterns):
    have = [linkmap.module_of(s) for s in core_sources()]
    found = []
    for p in patterns:
        found += [m for m in have if (m.startswith(p[:-1]) if p.endswith("*") else m == p)]
    return found


def compile_all(out, cpu_flags):
    """The core into a library, and the image's own objects. -fstack-usage
    and -fcallgraph-info leave .su and .ci files beside each object."""
    os.makedirs(os.path.join(out, "core"), exist_ok=True)
    inc = ["-I" + os.path.join(ROOT, "include")]
    objs = []
    for src in core_sources():
        obj = os.path.join(out, "core", linkmap.module_of(src) + ".o")
        run([tool("gcc")] + cpu_flags + CFLAGS + ["-fstack-usage", "-fcallgraph-info=su"]
            + inc + ["-c", src, "-o", obj])
        objs.append(obj)
    lib = os.path.join(out, "libota.a")
    if os.path.exists(lib):
        os.remove(lib)
    run([tool("ar"), "rcs", lib] + objs)
    own = []
    for src in (os.path.join(EXAMPLE, "startup.c"), os.path.join(HERE, "image.c")):
        obj = os.path.join(out, linkmap.module_of(src) + ".o")
        run([tool("gcc")] + cpu_flags + CFLAGS + ["-fstack-usage", "-fcallgraph-info=su"]
            + inc + ["-c", src, "-o", obj])
        own.append(obj)
    return lib, own


def defined_functions(out, module):
    listing = run([tool("nm"), "-g", "--defined-only", os.path.join(out, "core", module + ".o")])
    return [line.split()[2] for line in listing.splitlines() if line.split()[1:2] == ["T"]]


def stubs_for(out, cpu_flags, name, present, absent):
    """An object defining what the present modules use of the absent ones,
    as stubs (a function returns OTA_ERR_UNSUPPORTED): the image of a core
    built without the absent feature. Returns (object or None, names)."""
    wanted, defined = set(), {}
    for m in present:
        for line in run([tool("nm"), "-u", os.path.join(out, "core", m + ".o")]).splitlines():
            wanted.add(line.split()[-1])
    for m in absent:
        for line in run([tool("nm"), "-g", "--defined-only",
                         os.path.join(out, "core", m + ".o")]).splitlines():
            addr, kind, sym = line.split()
            defined[sym] = kind
    names = sorted(wanted & set(defined))
    if not names:
        return None, []
    src = os.path.join(out, name + "-stubs.c")
    with open(src, "w") as f:
        for sym in names:
            if defined[sym] in "TW":
                f.write(f"int {sym}(void);\nint {sym}(void) {{ return -53; }}\n")
            else:
                f.write(f"const unsigned char {sym}[8];\n")
    obj = src[:-2] + ".o"
    run([tool("gcc")] + cpu_flags + CFLAGS + ["-w", "-c", src, "-o", obj])
    return obj, names


def link(out, name, cpu_flags, lib, own, roots):
    elf = os.path.join(out, name + ".elf")
    mapfile = os.path.join(out, name + ".map")
    undefined = ["-Wl,-u," + r for r in roots]
    run([tool("gcc")] + cpu_flags + LDFLAGS + ["-Wl,-Map=" + mapfile, "-T",
        os.path.join(EXAMPLE, "rp2040.ld")] + own + undefined + [lib, "-o", elf])
    return elf, mapfile


def elf_size(elf):
    text, data, bss = run([tool("size"), elf]).splitlines()[1].split()[:3]
    return int(text), int(data), int(bss)


def symbol_size(obj, symbol):
    for line in run([tool("nm"), "-S", obj]).splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3] == symbol:
            return int(parts[1], 16)
    raise SystemExit(f"{symbol} not found in {obj}")


class Image:
    """One linked image: sizes per module and the stack depth of its roots."""

    def __init__(self, out, elf, mapfile, facts, roots):
        self.sections = linkmap.read(mapfile)
        self.modules = linkmap.by_module(self.sections)
        self.elf = elf_size(elf)
        core = set(linkmap.module_of(s) for s in core_sources())
        self.core = {m: v for m, v in self.modules.items() if m in core}
        flash_sum = sum(v["text"] + v["data"] for v in self.modules.values())
        self.merged = flash_sum - (self.elf[0] + self.elf[1])  # strings merged across modules
        self.core_flash = sum(v["text"] + v["data"] for v in self.core.values())
        self.core_ram = sum(v["data"] + v["bss"] for v in self.core.values())
        self.lib_flash = sum(v["text"] for m, v in self.modules.items() if m.endswith(".a"))
        self.stack = self._stack(out, elf, facts, roots)

    def _stack(self, out, elf, facts, roots):
        linked = linkmap.functions(self.sections)
        names = {f for _, f in linked}
        syms = run([tool("nm"), elf]).splitlines()
        others = {p[2] for p in (s.split() for s in syms) if len(p) == 3 and p[1] in "Tt"} - names
        libc = stack.libc_frames(tool("objdump"), elf, others)
        ci = glob.glob(os.path.join(out, "core", "*.ci")) + glob.glob(os.path.join(out, "*.ci"))
        graph = stack.read_callgraph(sorted(ci), facts, linked, libc)
        depth = stack.Depth(graph)
        result = {r: depth.of(k) for r, k in roots}
        self.graph, self.cycles = graph, depth.cycles
        self.from_api = stack.reachable(graph, [k for r, k in roots if r in PUBLIC_API])
        self.roots = dict(roots)
        return result


def measure(build, cpu_dir, cpu_flags, facts):
    out = os.path.join(build, cpu_dir)
    lib, own = compile_all(out, cpu_flags)
    images = []
    modules = []
    every = [m for _, _, patterns in FEATURES for m in modules_of(patterns)]
    core = [linkmap.module_of(src) for src in core_sources()]
    for name, what, patterns in FEATURES:
        found = modules_of(patterns)
        if patterns and not found:
            images.append((name, what, None, found, []))
            continue
        modules += found
        absent = [m for m in every if m not in modules]
        stub, stubbed = stubs_for(out, cpu_flags, name.strip("+ "),
                                  [m for m in core if m not in absent], absent)
        roots = [f for m in modules for f in defined_functions(out, m)]
        elf, mapfile = link(out, name.strip("+ "), cpu_flags, lib,
                            own + ([stub] if stub else []), roots)
        stack_roots = [(r, ("engine", r)) for r in PUBLIC_API]
        stack_roots += [(r, (m, r)) for m in modules for r in defined_functions(out, m)]
        images.append((name, what, Image(out, elf, mapfile, facts, stack_roots), found,
                       stubbed))
    ctx = symbol_size(os.path.join(out, "image.o"), "size_ctx")
    return images, ctx


def build_example(build, cpu_dir):
    out = os.path.join(build, "example-" + cpu_dir)
    run(["make", "-s", "-C", EXAMPLE, "BUILD=" + out])
    elf = os.path.join(out, "ota-baremetal.elf")
    return elf, linkmap.by_module(linkmap.read(os.path.join(out, "ota-baremetal.map"))), \
        elf_size(elf)


# ---- the report ----------------------------------------------------------

def kib(n):
    return f"{n:,} ({n / 1024:.1f} KiB)"


def met(value, target):
    return "met" if value < target else "**not met**"


def full_image(results, cpu_dir):
    """The image with every feature present."""
    return [img for _, _, img, _, _ in results[cpu_dir][0] if img][-1]


def stack_line(img):
    worst = max(img.stack.items(), key=lambda kv: kv[1][0])
    root, (size, frames, path) = worst
    return root, size, frames, path


def report(results, example, when):
    lines = []
    add = lines.append
    add("# Footprint on Cortex-M")
    add("")
    add("Reproduce every figure on this page with `make size` (bench/size/run.py:")
    add("arm-none-eabi-gcc " + " ".join(CFLAGS) + ", the CPU flags below, newlib-nano,")
    add("`-Wl,--gc-sections`; clang only reads the sources for the call graph).")
    add(f"Last run: {when}, arm-none-eabi-gcc {results['gcc']}.")
    add("")
    add("The core is linked into a real image (bench/size/image.c calls every")
    add("public entry point through an empty port; start-up and linker script")
    add("are examples/baremetal's), so only what the public API reaches counts.")
    add("A feature set adds its modules as link roots: every external function")
    add("they define is kept, whether or not the engine calls it yet.")
    add("*Core* is src/core only: not the C library's string functions and")
    add("the compiler's helpers (*libc*), nor the start-up code and the caller.")
    for title, cpu_dir, flags in CPUS:
        images, ctx = results[cpu_dir]
        add("")
        add(f"## {title} (`{' '.join(flags)}`)")
        add("")
        add("| feature set | core flash (bytes) | core static RAM | libc flash "
            "| whole image flash | worst-case stack (bytes) |")
        add("|---|---:|---:|---:|---:|---:|")
        for name, what, img, found, stubbed in images:
            if stubbed:
                what += f" ({len(stubbed)} functions the engine calls stubbed out, see below)"
            if img is None:
                add(f"| {name}: {what} | no such module in src/core yet | | | | |")
                continue
            root, size, frames, _ = stack_line(img)
            add(f"| {name}: {what} | {kib(img.core_flash)} | {img.core_ram} | "
                f"{img.lib_flash:,} | {img.elf[0] + img.elf[1]:,} | "
                f"{size:,} + {frames} port frame{'s' if frames != 1 else ''} |")
        for name, _, img, found, stubbed in images:
            if stubbed:
                add("")
                add(f"The engine calls into modules of a later feature set, so no core")
                add(f"without them exists today; the {name} image replaces what it calls")
                add(f"of them ({', '.join(stubbed)}) with stubs returning")
                add(f"OTA_ERR_UNSUPPORTED: what a compile-time switch would save.")
        add("")
        add(f"`sizeof(struct ota_ctx)` = {ctx:,} bytes: the engine's whole RAM besides the")
        add("integrator's work buffer (OTA_MIN_BUFFER = 1,024 bytes at least) and the stack.")
    add("")
    add("## Targets")
    add("")
    add("| target | Cortex-M0+ | Cortex-M4 |")
    add("|---|---|---|")
    rows = {}
    for _, cpu_dir, _ in CPUS:
        images, ctx = results[cpu_dir]
        biggest = full_image(results, cpu_dir)
        first = images[0][2]
        rows.setdefault("flash_a", []).append(
            f"{first.core_flash:,}: {met(first.core_flash, FLASH_TARGET)}")
        rows.setdefault("flash_b", []).append(
            f"{biggest.core_flash:,}: {met(biggest.core_flash, FLASH_TARGET)}")
        rows.setdefault("ram", []).append(f"{ctx + biggest.core_ram:,}: {met(ctx, RAM_TARGET)}")
        root, size, frames, _ = stack_line(biggest)
        rows.setdefault("ramstack", []).append(
            f"{ctx + size:,}: {met(ctx + size, RAM_TARGET)}")
    add(f"| core flash < 24 KiB, manifestless | {' | '.join(rows['flash_a'])} |")
    add(f"| core flash < 24 KiB, every feature present | {' | '.join(rows['flash_b'])} |")
    add(f"| RAM < 4 KiB besides the work buffer: `struct ota_ctx` + static | "
        f"{' | '.join(rows['ram'])} |")
    add(f"| the same plus the worst-case stack | {' | '.join(rows['ramstack'])} |")
    add("")
    _modules_section(add, results)
    _stack_section(add, results)
    _example_section(add, example)
    return "\n".join(lines) + "\n"


def _modules_section(add, results):
    add("## Per module (every feature present)")
    add("")
    add("Flash is text (code and constants) plus initialised data; the core has")
    add("no writable static data (scripts/check-core.sh enforces it), so its RAM")
    add("is `struct ota_ctx`, owned by the caller. Constant strings are counted")
    add("in the module that has them, before the linker merges duplicates.")
    add("")
    per = {cpu_dir: full_image(results, cpu_dir) for _, cpu_dir, _ in CPUS}
    names = sorted(set().union(*(p.modules for p in per.values())),
                   key=lambda m: (m.startswith("(") or m.endswith(".a") or m in ("image", "startup"), m))
    add("| module | M0+ text | M0+ data | M0+ bss | M4 text | M4 data | M4 bss |")
    add("|---|---:|---:|---:|---:|---:|---:|")
    for m in names:
        cells = []
        for _, cpu_dir, _ in CPUS:
            v = per[cpu_dir].modules.get(m, {"text": 0, "data": 0, "bss": 0})
            cells += [f"{v['text']:,}", f"{v['data']:,}", f"{v['bss']:,}"]
        add(f"| {m} | " + " | ".join(cells) + " |")
    cells = []
    for _, cpu_dir, _ in CPUS:
        p = per[cpu_dir]
        cells += [f"{-p.merged:,}", "", ""]
    add("| (strings merged across modules) | " + " | ".join(cells) + " |")
    add("")
    add("`image` is the caller (bench/size/image.c): its bss is `struct ota_ctx`")
    add("and a 1,024-byte work buffer.")
    add("")


def _stack_section(add, results):
    add("## Worst-case stack")
    add("")
    add("Frame sizes from `-fstack-usage`; calls from `-fcallgraph-info` (after")
    add("inlining), the C library's from the image's disassembly. Calls through")
    add("function pointers are resolved from clang's AST of the same sources: a")
    add("call through the port's ops is a call into the integrator's port, whose")
    add("frame is not counted here (each one on the path is a *port frame* to add);")
    add("http.get calls the core's response sink back and fs.list its listing")
    add("callback, so those chains continue inside the port's frame. Any other")
    add("pointer call may reach every function stored into that member or passed")
    add("on with a matching type: an upper bound, which follows e.g. a release")
    add("listing's body into the tree parser.")
    add("")
    for title, cpu_dir, _ in CPUS:
        img = full_image(results, cpu_dir)
        add(f"### {title}")
        add("")
        add("| entry point | stack (bytes) | port frames on the path |")
        add("|---|---:|---:|")
        for root in PUBLIC_API:
            size, frames, _ = img.stack[root]
            add(f"| {root} | {size:,} | {frames} |")
        extra = sorted(((r, v) for r, v in img.stack.items()
                        if r not in PUBLIC_API and img.roots[r] not in img.from_api),
                       key=lambda kv: -kv[1][0])[:3]
        for root, (size, frames, _) in extra:
            add(f"| {root} (the public API does not call it yet) | {size:,} | {frames} |")
        root, size, frames, path = stack_line(img)
        add("")
        add(f"Deepest chain ({root}, {size:,} bytes):")
        add("")
        add("    " + " > ".join(_frame(img.graph, k) for k in path))
        add("")
        big = sorted(((f, k) for k, f in img.graph.frame.items() if k in img.from_api),
                     reverse=True)[:6]
        add("Largest frames: " + ", ".join(f"{k[1]} ({k[0]}.c) {f:,}" for f, k in big) + ".")
        dyn = sorted(k[1] for k, q in img.graph.qualifier.items() if "dynamic" in q)
        add("Recursion: " + ("none." if not img.cycles else
                             "; ".join(" > ".join(k[1] for k in c) for c in img.cycles) + "."))
        add("Dynamic stack (alloca, variable-length arrays): " +
            (", ".join(dyn) + "." if dyn else "none."))
        if img.graph.unresolved:
            add("Unresolved pointer calls: " +
                ", ".join(f"{k[1]} at {site}" for k, site in img.graph.unresolved) + ".")
        else:
            add("Every pointer call was resolved.")
        add("")


def _frame(graph, key):
    if key in graph.integrator:
        return f"[{key[0]} {key[1]}]"
    return f"{key[1]} {graph.frame.get(key, 0)}"


def _example_section(add, example):
    _, modules, (text, data, bss) = example
    add("## The bare-metal example (Cortex-M0+)")
    add("")
    add("examples/baremetal: the core, a flash file store, a transport stub and")
    add("start-up code, built by its Makefile into an ELF for an RP2040-like")
    add("Cortex-M0+ (`make -C examples/baremetal`). Every feature the public API")
    add("reaches is in it.")
    add("")
    core = set(linkmap.module_of(s) for s in core_sources())
    parts = {"core": [0, 0, 0], "port and application": [0, 0, 0], "libc": [0, 0, 0]}
    for m, v in modules.items():
        part = "core" if m in core else "libc" if m.endswith(".a") or m.startswith("(") \
            else "port and application"
        for i, k in enumerate(("text", "data", "bss")):
            parts[part][i] += v[k]
    add("| part | text | data | bss |")
    add("|---|---:|---:|---:|")
    for part, (t, d, b) in parts.items():
        add(f"| {part} | {t:,} | {d:,} | {b:,} |")
    add(f"| whole ELF (`arm-none-eabi-size`) | {text:,} | {data:,} | {bss:,} |")
    add("")
    add("The port's bss is the engine state, the work buffer and the file")
    add("store's open-file table; the stack is not included.")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--results", default=os.path.join(HERE, "RESULTS.md"),
                    help="where to write the report ('-' for stdout only)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build-size"),
                    help="directory for the objects, images and maps")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    facts = stack.clang_facts(core_sources() + [os.path.join(HERE, "image.c")],
                              ["-std=c99", "-I" + os.path.join(ROOT, "include"),
                               "-I" + os.path.join(ROOT, "src", "core")])
    results = {"gcc": run([tool("gcc"), "-dumpversion"]).strip()}
    for _, cpu_dir, flags in CPUS:
        results[cpu_dir] = measure(build, cpu_dir, flags, facts)
    example = build_example(build, "cortex-m0plus")
    text = report(results, example, datetime.date.today().isoformat())
    sys.stdout.write(text)
    if args.results != "-":
        with open(args.results, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
