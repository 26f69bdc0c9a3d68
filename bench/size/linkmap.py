"""Reads a GNU ld map file: which input sections went into the image, from
which object, and how big they are, so that sizes can be told per module
after --gc-sections has dropped what nothing uses."""

import re
from collections import defaultdict

# Output sections by what they cost: flash only (code, constants), RAM with a
# flash copy (initialised data), RAM only (zeroed data).
KIND = {".text": "text", ".ARM.exidx": "text", ".rodata": "text",
        ".data": "data", ".bss": "bss"}

_OUT = re.compile(r"^(\.[\w.]+)(?:\s|$)")
_FILL = re.compile(r"^ \*fill\*\s+0x[0-9a-f]+\s+0x([0-9a-f]+)")
_IN_FULL = re.compile(r"^ (\.[^\s]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
_IN_NAME = re.compile(r"^ (\.[^\s]+)\s*$")
_IN_REST = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")


def module_of(obj):
    """'libota.a(fetch.o)' or 'build/x/fetch.o' -> 'fetch'; a C library
    member keeps its archive's name: 'libc_nano.a(memcpy.o)' -> 'libc_nano.a'."""
    m = re.match(r"^(?:.*/)?([^/()]+)\(([^()]+)\)$", obj)
    if m:
        archive, member = m.groups()
        if archive.startswith("libota"):
            return member.rsplit(".", 1)[0]
        return archive
    if obj.startswith("("):
        return obj
    return obj.rsplit("/", 1)[-1].rsplit(".", 1)[0]


class Section:
    def __init__(self, out, name, size, obj):
        self.out, self.name, self.size, self.obj = out, name, size, obj
        self.module = module_of(obj)

    @property
    def function(self):
        """The function a -ffunction-sections section holds, or None."""
        for prefix in (".text.startup.", ".text."):
            if self.name.startswith(prefix):
                return self.name[len(prefix):]
        return None


def read(path):
    """Every input section placed in the image, in map order."""
    sections, out, pending = [], None, None
    with open(path) as f:
        lines = f.read().split("\n")
    start = lines.index("Linker script and memory map")
    for line in lines[start + 1:]:
        m = _OUT.match(line)
        if m and not line.startswith(" "):
            out = KIND.get(m.group(1))
            pending = None
            continue
        if out is None:
            continue
        m = _FILL.match(line)
        if m:  # alignment between sections: the linker's, not a module's
            sections.append(Section(out, "*fill*", int(m.group(1), 16), "(padding)"))
            continue
        m = _IN_FULL.match(line)
        if m:
            name, _, size, obj = m.groups()
            sections.append(Section(out, name, int(size, 16), obj.strip()))
            pending = None
            continue
        m = _IN_NAME.match(line)
        if m:
            pending = m.group(1)
            continue
        m = _IN_REST.match(line)
        if m and pending:
            _, size, obj = m.groups()
            sections.append(Section(out, pending, int(size, 16), obj.strip()))
        pending = None
    return [s for s in sections if s.size > 0]


def by_module(sections):
    """{module: {"text": n, "data": n, "bss": n}}: flash is text + data
    (initialised data is stored in flash and copied), RAM is data + bss."""
    sizes = defaultdict(lambda: {"text": 0, "data": 0, "bss": 0})
    for s in sections:
        sizes[s.module][s.out] += s.size
    return dict(sizes)


def functions(sections):
    """{(module, function)} of the code kept in the image."""
    return {(s.module, s.function) for s in sections if s.out == "text" and s.function}
