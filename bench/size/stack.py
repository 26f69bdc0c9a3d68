"""Worst-case stack depth of the core, from what the compiler knows.

Frame sizes and direct calls come from GCC's -fstack-usage and
-fcallgraph-info=su (the call graph after inlining, one .ci file per
object); the C library's functions, which were not compiled here, are read
from the linked image's disassembly (prologue pushes and stack adjustment,
bl calls). Only functions kept in the linked image count.

GCC marks every call through a function pointer as "__indirect_call" with
its source location. Those are resolved from clang's AST of the same
sources: a call through a member of the port's ops structs is a call into
the integrator's port (its frame is the integrator's, not counted here,
only counted as one more integrator frame on the path); any other call
through a pointer may reach the functions of the core stored into that
member (by an initialiser or an assignment), and every function whose
address is taken otherwise (passed on as an argument) and whose type
matches: a field-sensitive, type-based call graph, an upper bound of what
can happen. Two port calls call
back into the core, as ota_port.h documents: http.get calls the response
sink (struct ota_http_sink), fs.list calls an ota_list_cb. A pointer call
that matches no function of the core is a callback into integrator code
(the event callback)."""

import json
import os
import re
import subprocess
from collections import defaultdict

PORT_RECORDS = {"ota_fs_ops": "fs", "ota_http_ops": "http",
                "ota_crypto_ops": "crypto", "ota_sys_ops": "sys"}
CASTS = ("ImplicitCastExpr", "ParenExpr", "CStyleCastExpr")


def module_of_path(path):
    return os.path.basename(path).rsplit(".", 1)[0]


# ---- clang: indirect call sites and address-taken functions ---------------

def _fill_locations(node, state):
    """clang's JSON leaves out a location's file and line when they equal
    the previous location's; put them back, in document order."""
    if isinstance(node, dict):
        if "offset" in node and "col" in node:
            if "file" in node:
                state["file"] = node["file"]
            else:
                node["file"] = state["file"]
            if "line" in node:
                state["line"] = node["line"]
            else:
                node["line"] = state["line"]
        for value in node.values():
            _fill_locations(value, state)
    elif isinstance(node, list):
        for value in node:
            _fill_locations(value, state)


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _strip(expr):
    while expr.get("kind") in CASTS and expr.get("inner"):
        expr = expr["inner"][0]
    return expr


def _type_of(node):
    t = node.get("type", {})
    return t.get("desugaredQualType", t.get("qualType", ""))


class Facts:
    def __init__(self):
        self.typedefs = {}
        # (module, line, col) -> ("port", "fs.open") | ("call", type, member or None)
        self.indirect = {}
        # type -> {("static", module, name) | ("global", name)}: passed on
        self.taken = defaultdict(set)
        # (record, member) -> {function key}: stored into that member
        self.stored = defaultdict(set)
        self.fields = defaultdict(dict)  # record -> {member: type}

    def norm(self, t):
        for _ in range(8):
            new = re.sub(r"(?<!struct )(?<!union )(?<!enum )\b([A-Za-z_]\w*)\b",
                         lambda m: self.typedefs.get(m.group(1), m.group(1)), t)
            if new == t:
                break
            t = new
        t = re.sub(r"\(\*\s*(?:const\s*)?\)", "", t)
        return re.sub(r"\s+", " ", t).replace("( ", "(").strip()


def clang_facts(sources, cflags):
    facts = Facts()
    raw_taken = []
    for src in sources:
        out = subprocess.run(["clang", "-fsyntax-only", "-Xclang", "-ast-dump=json"]
                             + cflags + [src], capture_output=True, text=True, check=True)
        tu = json.loads(out.stdout)
        _fill_locations(tu, {"file": src, "line": 0})
        _read_tu(tu, src, facts, raw_taken)
    for key, t in raw_taken:
        facts.taken[facts.norm(t)].add(key)
    for site, call in list(facts.indirect.items()):
        if call[0] == "call":
            facts.indirect[site] = ("call", facts.norm(call[1]), call[2])
    for record in facts.fields:
        for field, t in facts.fields[record].items():
            facts.fields[record][field] = facts.norm(t)
    return facts


def _function_ref(expr):
    expr = _strip(expr)
    if expr.get("kind") == "DeclRefExpr" and \
            expr.get("referencedDecl", {}).get("kind") == "FunctionDecl":
        return expr
    return None


def _read_tu(tu, src, facts, raw_taken):
    module = module_of_path(src)
    field_of, members, statics = {}, defaultdict(list), set()
    callees, stored, refs = set(), [], []
    for node in _walk(tu):
        kind = node.get("kind")
        if kind == "TypedefDecl" and node.get("type"):
            facts.typedefs[node["name"]] = node["type"]["qualType"]
        elif kind == "RecordDecl" and node.get("name"):
            for field in node.get("inner", []):
                if field.get("kind") == "FieldDecl":
                    field_of[field["id"]] = (node["name"], field.get("name"))
                    members[node["name"]].append(field.get("name"))
                    facts.fields[node["name"]][field.get("name")] = _type_of(field)
        elif kind == "FunctionDecl" and node.get("storageClass") == "static":
            statics.add(node["name"])
        elif kind == "DeclRefExpr" and node.get("referencedDecl", {}).get("kind") == "FunctionDecl":
            refs.append(node)
        elif kind == "InitListExpr":
            record = _type_of(node).replace("struct ", "")
            for name, value in zip(members.get(record, []), node.get("inner", [])):
                ref = _function_ref(value)
                if ref:
                    stored.append((ref, (record, name)))
        elif kind == "BinaryOperator" and node.get("opcode") == "=":
            target, ref = _strip(node["inner"][0]), _function_ref(node["inner"][1])
            if ref and target.get("referencedMemberDecl") in field_of:
                stored.append((ref, field_of[target["referencedMemberDecl"]]))
        elif kind == "CallExpr":
            ref = _function_ref(node["inner"][0])
            if ref:
                callees.add(ref["id"])
                continue
            callee = _strip(node["inner"][0])
            begin = node["range"]["begin"]
            loc = begin.get("expansionLoc", begin)
            if module_of_path(loc["file"]) != module:
                continue
            site = (module, loc["line"], loc["col"])
            member = field_of.get(callee.get("referencedMemberDecl"))
            if member and member[0] in PORT_RECORDS:
                facts.indirect[site] = ("port", PORT_RECORDS[member[0]] + "." + member[1])
            else:
                facts.indirect[site] = ("call", _type_of(node["inner"][0]), member)

    def key(decl):
        return ("static", module, decl["name"]) if decl["name"] in statics \
            else ("global", decl["name"])

    for ref, member in stored:
        facts.stored[member].add(key(ref["referencedDecl"]))
    stored_ids = {ref["id"] for ref, _ in stored}
    for ref in refs:
        if ref["id"] not in callees and ref["id"] not in stored_ids:
            decl = ref["referencedDecl"]
            raw_taken.append((key(decl), decl["type"]["qualType"]))


# ---- GCC: frames and direct calls -----------------------------------------

_NODE = re.compile(r'^node: \{ title: "([^"]+)" label: "([^"]*)"')
_EDGE = re.compile(r'^edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"'
                   r'(?: label: "([^"]*)")?')
_BYTES = re.compile(r"\\n(\d+) bytes \(([^)]*)\)")


def _key(title, default_module=None):
    if ":" in title:
        path, name = title.rsplit(":", 1)
        return (module_of_path(path), name)
    return (default_module, title)


class Graph:
    def __init__(self):
        self.frame = {}       # key -> bytes
        self.qualifier = {}   # key -> "static" | "dynamic" | ...
        self.edges = defaultdict(list)  # key -> [target key]
        self.unresolved = []  # indirect call sites nothing explained
        self.integrator = set()  # keys standing for integrator code


def read_callgraph(ci_files, facts, linked, libc):
    """linked: {(module, function)} kept in the image; libc: (frames, calls)
    of the functions that have no .ci file."""
    g = Graph()
    glob = {}
    raw = []
    for ci in ci_files:
        module = module_of_path(ci)
        with open(ci) as f:
            for line in f:
                m = _NODE.match(line)
                if m:
                    b = _BYTES.search(m.group(2))
                    if b:
                        key = _key(m.group(1), module)
                        g.frame[key] = int(b.group(1))
                        g.qualifier[key] = b.group(2)
                        if ":" not in m.group(1):
                            glob[m.group(1)] = key
                    continue
                m = _EDGE.match(line)
                if m:
                    raw.append((module, m.group(1), m.group(2), m.group(3) or ""))
    g.frame = {k: v for k, v in g.frame.items() if k in linked}
    frames, calls = libc
    for name, size in frames.items():
        g.frame[("libc", name)] = size
        glob.setdefault(name, ("libc", name))
    for name, targets in calls.items():
        g.edges[("libc", name)] = [glob.get(t, ("libc", t)) for t in targets]

    def resolve(target, module):
        if ":" in target:
            return _key(target)
        return glob.get(target, ("libc", target))

    def linked_keys(keys):
        return [k for k in (_taken_key(key, glob) for key in keys) if k in g.frame]

    def pointer_targets(t, member=None):
        return linked_keys(facts.taken.get(t, ())) + linked_keys(facts.stored.get(member, ()))

    for module, source, target, label in raw:
        src = _key(source, module)
        if src not in g.frame:
            continue
        if target != "__indirect_call":
            g.edges[src].append(resolve(target, module))
            continue
        site = _site(label)
        found = facts.indirect.get(site) or _same_line(facts.indirect, site)
        if not found:
            g.unresolved.append((src, label))
            continue
        kind, what = found[0], found[1]
        if kind == "port":
            node = ("port", what)
            g.integrator.add(node)
            g.frame[node] = 0
            g.edges[src].append(node)
            for cb, member in _port_callbacks(what, facts):
                g.edges[node].extend(pointer_targets(cb, member))
        else:
            targets = pointer_targets(found[1], found[2])
            if not targets:
                node = ("integrator", what)
                g.integrator.add(node)
                g.frame[node] = 0
                targets = [node]
            g.edges[src].extend(targets)
    for src in list(g.edges):
        g.edges[src] = sorted(set(g.edges[src]))
    return g


def _taken_key(key, glob):
    if key[0] == "static":
        return (key[1], key[2])
    return glob.get(key[1], ("libc", key[1]))


def _site(label):
    path, line, col = label.rsplit(":", 2)
    return (module_of_path(path), int(line), int(col))


def _same_line(indirect, site):
    kinds = {v for k, v in indirect.items() if k[:2] == site[:2]}
    return kinds.pop() if len(kinds) == 1 else None


def _port_callbacks(op, facts):
    """(type, member) of the core's functions a port operation calls back."""
    if op == "http.get":
        return [(t, ("ota_http_sink", name))
                for name, t in facts.fields.get("ota_http_sink", {}).items() if "(" in t]
    if op == "fs.list":
        return [(facts.norm("ota_list_cb"), None)]
    return []


# ---- the C library, from the image's disassembly --------------------------

_FUNC = re.compile(r"^([0-9a-f]+) <([^>]+)>:$")
_INSN = re.compile(r"^\s*[0-9a-f]+:\s+(\S+)\s*(.*)$")


def libc_frames(objdump, elf, names):
    """{name: bytes} and {name: [called names]} for the functions named,
    from their prologues: push/stmdb of registers and sub sp."""
    out = subprocess.run([objdump, "-d", "--no-show-raw-insn", elf],
                         capture_output=True, text=True, check=True).stdout
    frames, calls, current, seen = {}, defaultdict(list), None, 0
    for line in out.split("\n"):
        m = _FUNC.match(line)
        if m:
            current = m.group(2) if m.group(2) in names else None
            if current:
                frames[current], seen = 0, 0
            continue
        m = _INSN.match(line)
        if not current or not m:
            continue
        op, args = m.group(1), m.group(2)
        seen += 1
        if seen <= 6 and (op.startswith("push") or (op.startswith("stmdb") and "sp!" in args)):
            frames[current] += 4 * len(re.findall(r"\b(?:r\d+|lr|fp|ip)\b", args.split("{", 1)[-1]))
        elif seen <= 8 and op.startswith("sub") and re.match(r"sp,\s*(?:sp,\s*)?#", args):
            frames[current] += int(re.search(r"#(\d+)", args).group(1))
        elif op in ("bl", "blx") and "<" in args:
            calls[current].append(args.split("<", 1)[1].split(">", 1)[0])
    return frames, dict(calls)


# ---- the longest path -----------------------------------------------------

def reachable(graph, roots):
    """Every function a call chain from roots can reach."""
    seen, todo = set(), list(roots)
    while todo:
        key = todo.pop()
        if key not in seen:
            seen.add(key)
            todo.extend(graph.edges.get(key, []))
    return seen


class Depth:
    def __init__(self, graph):
        self.g = graph
        self.memo = {}
        self.cycles = []

    def of(self, key, active=None):
        """(core bytes, integrator frames, path) of the deepest call chain
        from key."""
        if key in self.memo:
            return self.memo[key]
        active = active or []
        if key in active:
            self.cycles.append(active[active.index(key):] + [key])
            return (0, 0, [])
        best = (0, 0, [])
        for child in self.g.edges.get(key, []):
            if child not in self.g.frame:
                continue
            d = self.of(child, active + [key])
            if (d[0], d[1]) > (best[0], best[1]):
                best = d
        own = self.g.frame.get(key, 0)
        result = (own + best[0], best[1] + (1 if key in self.g.integrator else 0), [key] + best[2])
        self.memo[key] = result
        return result
