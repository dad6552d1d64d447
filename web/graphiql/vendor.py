"""Copies GraphiQL's production builds out of node_modules into static/, with a manifest.

Refresh (after changing a version in package.json):

    cd web/graphiql && npm install --ignore-scripts && python vendor.py
    # CI / review: npm ci --ignore-scripts && python vendor.py --check

Each file lands in static/<package>@<version>/<path>, as unpkg lays it out, so its URL
changes with its version and can be cached for good. manifest.json records every file's
sha256; tests/web/test_graphiql_assets.py checks the committed files against it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
MANIFEST = HERE / "manifest.json"

# The files the page loads (the same ones strawberry's graphiql.html takes from unpkg), and
# each package's licence, which its minified build must travel with (plugin-explorer ships
# no LICENSE file: its package.json names the MIT licence).
FILES: dict[str, tuple[str, ...]] = {
    "react": ("umd/react.production.min.js", "LICENSE"),
    "react-dom": ("umd/react-dom.production.min.js", "LICENSE"),
    "graphiql": ("graphiql.min.js", "graphiql.min.css", "LICENSE"),
    "@graphiql/plugin-explorer": ("dist/index.umd.js", "dist/style.css", "package.json"),
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pinned() -> dict[str, str]:
    """package.json's exact versions (a range would make the copy depend on the day)."""
    deps = json.loads((HERE / "package.json").read_text())["dependencies"]
    for name, version in deps.items():
        if not version[:1].isdigit():
            raise SystemExit(f"package.json: {name} must be pinned to an exact version, not {version}")
    return deps


def planned(modules: Path) -> dict[str, dict[str, str]]:
    """Target path -> where it comes from, checking node_modules holds the pinned versions."""
    versions = pinned()
    out: dict[str, dict[str, str]] = {}
    for package, paths in FILES.items():
        installed = json.loads((modules / package / "package.json").read_text())["version"]
        if installed != versions[package]:
            raise SystemExit(f"node_modules has {package}@{installed}, package.json pins {versions[package]}: run npm ci")
        for path in paths:
            out[f"{package}@{installed}/{path}"] = {"package": package, "version": installed, "path": path}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare node_modules with the committed copy, change nothing")
    args = parser.parse_args()
    modules = HERE / "node_modules"
    plan = planned(modules)
    if args.check:
        manifest = json.loads(MANIFEST.read_text())["files"]
        problems = [f"{t}: not in manifest.json" for t in plan if t not in manifest]
        problems += [f"{t}: in manifest.json, not vendored from package.json" for t in manifest if t not in plan]
        for target, source in plan.items():
            fresh = modules / source["package"] / source["path"]
            if target in manifest and sha256(fresh) != manifest[target]["sha256"]:
                problems.append(f"{target}: differs from node_modules")
            if not (STATIC / target).is_file() or sha256(STATIC / target) != sha256(fresh):
                problems.append(f"{target}: committed file differs from node_modules")
        print("\n".join(problems) or f"{len(plan)} files equal a fresh npm ci")
        return 1 if problems else 0
    for old in STATIC.glob("*@*"):
        shutil.rmtree(old)  # a replaced version leaves no stale copy behind
    for old in STATIC.glob("@*"):
        shutil.rmtree(old)
    files = {}
    for target, source in sorted(plan.items()):
        dest = STATIC / target
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(modules / source["package"] / source["path"], dest)
        files[target] = {**source, "sha256": sha256(dest)}
    MANIFEST.write_text(json.dumps({"files": files}, indent=2) + "\n")
    print(f"copied {len(files)} files into {STATIC.relative_to(HERE)}/, wrote {MANIFEST.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
