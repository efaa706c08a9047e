#!/usr/bin/env python3
"""Architecture gate for the library crate (docs/architecture.md, "Floors of shared/src").

Reads every file under shared/src, finds which other files of the crate it uses
(`use crate::…`, `crate::…` paths in code, `super::…`, and a parent's uses of its own
child modules), and fails when:

  1. the file graph has a cycle;
  2. a top-level module uses a module on a higher floor than its own (FLOORS below);
  3. a file under routes/ uses another group's route module (routes share only
     routes/mod.rs, group.rs, layers.rs, table.rs and the floors below);
  4. SQL appears outside repos/ (and db.rs, which runs the migrations' statements);
  5. the database driver (`mysql_async`) is named above repos/.

Test code (`#[cfg(test)]` items) is left out: a test may use anything.

  python3 .ci/architecture.py            check shared/src
  python3 .ci/architecture.py --graph    print the file graph too
  python3 .ci/architecture.py --self-test  show that each rule fails on a bad tree
"""
from __future__ import annotations

import os
import re
import sys
import tempfile

# Each top-level module of shared/src and its floor; a module may use modules on its own
# floor or below, never above. Same-floor use is allowed but rule 1 still forbids loops.
FLOORS = [
    ["config", "telemetry", "geo"],
    ["error"],
    ["models", "validation", "access", "namegen", "passwords"],
    ["aws", "db", "sessions", "mail", "images"],
    ["repos"],
    ["state"],
    ["http"],
    ["routes"],
    ["openapi"],
]
FLOOR_OF = {m: i for i, floor in enumerate(FLOORS) for m in floor}

# Route modules that are not a resource group: shared by every group's file.
ROUTES_SHARED = {"routes/mod.rs", "routes/group.rs", "routes/table.rs", "routes/layers.rs"}

SQL = re.compile(
    r'"\s*(SELECT\s|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|REPLACE\s+INTO|CREATE\s+TABLE)',
    re.IGNORECASE,
)
SQL_ALLOWED = ("repos/", "db.rs", "db/")
DRIVER = re.compile(r"\bmysql_async\b")


def strip_tests(text: str) -> str:
    """Remove `#[cfg(test)]` items (a module block or a single item) from Rust source."""
    out, i = [], 0
    marker = re.compile(r"#\[cfg\(test\)\]")
    while True:
        m = marker.search(text, i)
        if not m:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i : m.start()])
        j = m.end()
        # Skip to the item's end: the matching brace of its first block, or a `;`.
        depth = 0
        while j < len(text):
            c = text[j]
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    j += 1
                    break
            elif c == ";" and depth == 0:
                j += 1
                break
            j += 1
        i = j


def strip_comments_and_strings(text: str) -> str:
    """Blank out comments and string literals, keeping everything else in place."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r'r#+".*?"#+', '""', text, flags=re.S)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return text


def expand_use(tree: str) -> list[str]:
    """`a::{b, c::{d, self}}` → ['a::b', 'a::c::d', 'a::c']."""
    tree = re.sub(r"\s+", "", tree)
    m = re.match(r"^(.*?)\{(.*)\}$", tree)
    if not m:
        return [re.sub(r"::self$", "", re.sub(r"\bas\w+$", "", tree))]
    prefix, inner = m.group(1), m.group(2)
    parts, depth, cur = [], 0, ""
    for c in inner:
        if c == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += c == "{"
        depth -= c == "}"
        cur += c
    parts.append(cur)
    out = []
    for p in filter(None, parts):
        out += expand_use(prefix + p)
    return out


class Crate:
    def __init__(self, src: str):
        self.src = src
        self.files = {}
        for root, _, names in os.walk(src):
            for n in names:
                if n.endswith(".rs"):
                    rel = os.path.relpath(os.path.join(root, n), src).replace(os.sep, "/")
                    with open(os.path.join(root, n), encoding="utf-8") as f:
                        self.files[rel] = f.read()
        self.code = {
            rel: strip_comments_and_strings(strip_tests(t)) for rel, t in self.files.items()
        }
        # Names the crate root re-exports: `pub use config::Config;` → Config ↦ config.
        self.root_exports = {}
        for tree in re.findall(r"pub\s+use\s+([^;]+);", self.code.get("lib.rs", "")):
            for p in expand_use(tree):
                segs = p.split("::")
                self.root_exports[segs[-1]] = segs[:-1]

    @staticmethod
    def module_of(rel: str) -> list[str]:
        segs = rel[:-3].split("/")
        if segs[-1] in ("mod", "lib"):
            segs = segs[:-1]
        return segs

    def file_of(self, segs: list[str]) -> str | None:
        """The file of the longest module prefix of `segs`."""
        for n in range(len(segs), 0, -1):
            base = "/".join(segs[:n])
            for cand in (base + ".rs", base + "/mod.rs"):
                if cand in self.files:
                    return cand
        return None

    def uses(self, rel: str) -> set[str]:
        code = self.code[rel]
        here = self.module_of(rel)
        paths = []
        for tree in re.findall(r"\buse\s+([^;]+);", code):
            paths += expand_use(tree)
        paths += re.findall(r"(?<![\w:])((?:crate|super)(?:::\w+)+)", code)
        for child in re.findall(r"\bmod\s+(\w+)\s*;", code):
            for m in re.finditer(r"(?<![\w:])(%s(?:::\w+)+)" % child, code):
                paths.append("self::" + m.group(1))
        out = set()
        for p in paths:
            segs = p.split("::")
            if segs[0] == "crate":
                segs = segs[1:]
                if segs and segs[0] in self.root_exports:
                    segs = self.root_exports[segs[0]] + segs[1:]
            elif segs[0] in ("super", "self"):
                base = here[:]
                while segs and segs[0] in ("super", "self"):
                    if segs[0] == "super":
                        base = base[:-1]
                    segs = segs[1:]
                segs = base + segs
            else:
                continue
            target = self.file_of(segs) if segs else "lib.rs"
            if target and target != rel and target != "lib.rs":
                out.add(target)
        return out

    def graph(self) -> dict[str, set[str]]:
        return {rel: self.uses(rel) for rel in self.files if rel != "lib.rs"}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one file (Tarjan)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def check(src: str, show_graph: bool = False) -> list[str]:
    crate = Crate(src)
    graph = crate.graph()
    problems = []
    if show_graph:
        for f in sorted(graph):
            print(f"{f}: {' '.join(sorted(graph[f]))}")
    for comp in cycles(graph):
        loop = [f for f in comp]
        edges = [f"{a} → {b}" for a in loop for b in sorted(graph[a]) if b in comp]
        problems.append("import loop among " + ", ".join(loop) + ": " + "; ".join(edges))
    for a, targets in sorted(graph.items()):
        top_a = a.split("/")[0].removesuffix(".rs")
        for b in sorted(targets):
            top_b = b.split("/")[0].removesuffix(".rs")
            fa, fb = FLOOR_OF.get(top_a), FLOOR_OF.get(top_b)
            if fa is None:
                problems.append(f"{a}: module `{top_a}` has no floor in .ci/architecture.py")
                break
            if fb is not None and fb > fa:
                problems.append(f"{a} uses {b}: `{top_b}` is above `{top_a}`")
            if (
                a.startswith("routes/")
                and b.startswith("routes/")
                and a not in ROUTES_SHARED
                and b not in ROUTES_SHARED
            ):
                problems.append(f"{a} uses {b}: a group's routes use no other group's")
    for rel, code in sorted(crate.code.items()):
        if not rel.startswith(SQL_ALLOWED) and SQL.search(crate.files[rel].replace("\n", " ")):
            if SQL.search(strip_tests(crate.files[rel]).replace("\n", " ")):
                problems.append(f"{rel}: SQL outside repos/")
        top = rel.split("/")[0].removesuffix(".rs")
        if FLOOR_OF.get(top, 0) > FLOOR_OF["repos"] and DRIVER.search(code):
            problems.append(f"{rel}: names a mysql_async type above repos/")
    return problems


def self_test() -> None:
    """Each rule fails on a small tree made to break it, and passes on one that keeps it."""
    cases = {
        "good": ({"lib.rs": "pub mod error; pub mod repos;",
                  "error.rs": "pub struct E;",
                  "repos/mod.rs": "use crate::error::E; pub mod a;",
                  "repos/a.rs": 'use super::super::error::E; const Q: &str = "SELECT 1";'}, 0),
        "loop": ({"lib.rs": "pub mod error; pub mod db;",
                  "error.rs": "use crate::db::classify;",
                  "db.rs": "use crate::error::ApiError;"}, 1),
        "floor": ({"lib.rs": "pub mod error; pub mod http;",
                   "error.rs": "fn f() { crate::http::guard(); }",
                   "http/mod.rs": ""}, 1),
        "route to route": ({"lib.rs": "pub mod routes;",
                            "routes/mod.rs": "pub mod me; pub mod login;",
                            "routes/me.rs": "use super::login::start_session;",
                            "routes/login.rs": "pub fn start_session() {}"}, 1),
        "sql": ({"lib.rs": "pub mod auth;",
                 "auth.rs": 'const Q: &str = "SELECT id FROM users";'}, 1),
        "driver": ({"lib.rs": "pub mod routes;",
                    "routes/mod.rs": "use mysql_async::Value;"}, 1),
        "tests may": ({"lib.rs": "pub mod error; pub mod routes;",
                       "routes/mod.rs": "",
                       "error.rs": "#[cfg(test)]\nmod tests { use crate::routes::x; }"}, 0),
    }
    failed = False
    for name, (files, want) in cases.items():
        with tempfile.TemporaryDirectory() as d:
            for rel, text in files.items():
                os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
                with open(os.path.join(d, rel), "w") as f:
                    f.write(text)
            got = check(d)
            ok = (len(got) > 0) == (want > 0)
            print(f"self-test {name:15} {'ok' if ok else 'FAILED'}  {got}")
            failed |= not ok
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    if "--self-test" in sys.argv:
        self_test()
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "shared", "src")
    problems = check(src, show_graph="--graph" in sys.argv)
    for p in problems:
        print("architecture:", p)
    print(f"architecture: {len(problems)} problem(s)")
    sys.exit(1 if problems else 0)
