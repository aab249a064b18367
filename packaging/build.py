"""Build tokenpulse's release artefacts into dist/.

    python packaging/build.py wheel    # dist/tokenpulse-<v>.tar.gz (sdist) + dist/tokenpulse-<v>-<python>-<platform>.whl
    python packaging/build.py bundle   # dist/tokenpulse/ (PyInstaller onedir) + dist/tokenpulse-<v>-linux-x86_64.tar.gz
    python packaging/build.py deb      # dist/tokenpulse_<v>_amd64.deb from the bundle (built first if missing)
    python packaging/build.py all      # the three above

Run it with the Python that has the app's dependencies and, for `bundle`, PyInstaller
(`pip install . pyinstaller build`). `deb` needs `dpkg-deb` (Debian/Ubuntu). Every step prints its time.
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGING = REPO / "packaging"
APP_ID = "io.github.tokenpulse.TokenPulse"
NAME = "tokenpulse"

# What the bundle leaves to the system (see DROP_LIBS in the spec and `check_deb_depends`), plus the
# Wayland client libraries Qt's wayland plugin loads. Names valid on Debian 12+ and Ubuntu 22.04+.
DEB_DEPENDS = ["libc6 (>= 2.34)", "libgcc-s1", "libstdc++6", "libegl1", "libgl1", "libfontconfig1", "libfreetype6",
               "libxcb1", "libwayland-client0", "libwayland-cursor0", "libwayland-egl1"]
DEB_RECOMMENDS = ["fonts-dejavu-core | fonts-freefont-ttf | fonts-liberation2"]
# Placeholder address (.invalid): replace with the project's real contact before publishing the .deb.
DEB_MAINTAINER = "tokenpulse developers <maintainers@tokenpulse.invalid>"


def version() -> str:
    text = (REPO / "app" / NAME / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'__version__\s*=\s*"([^"]+)"', text).group(1)  # type: ignore[union-attr]


def _log(msg: str) -> None:
    print(f"[build] {msg}", flush=True)


def _run(cmd: list[str], **kw: object) -> None:
    _log("$ " + " ".join(str(c) for c in cmd))
    subprocess.run([str(c) for c in cmd], check=True, **kw)  # type: ignore[call-overload]


def _step(name: str):  # type: ignore[no-untyped-def]
    def wrap(fn):  # type: ignore[no-untyped-def]
        def inner(*a, **kw):  # type: ignore[no-untyped-def]
            t0 = time.monotonic()
            result = fn(*a, **kw)
            _log(f"{name}: done in {time.monotonic() - t0:.1f} s")
            return result
        return inner
    return wrap


def _os_arch() -> tuple[str, str]:
    osname = {"linux": "linux", "darwin": "macos", "win32": "windows"}.get(sys.platform, sys.platform)
    machine = platform.machine().lower()
    arch = {"amd64": "x86_64", "x64": "x86_64", "aarch64": "arm64"}.get(machine, machine)
    return osname, arch


# --- wheel + sdist ----------------------------------------------------------------------------------------
@_step("wheel")
def build_wheel(dist: Path) -> list[Path]:
    dist.mkdir(parents=True, exist_ok=True)
    before = set(dist.iterdir())
    try:
        import build  # noqa: F401  (pypa/build: isolated sdist + wheel from that sdist)
    except ImportError:
        _log("pypa/build not installed: wheel only, via pip (pip install build for the sdist too)")
        _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", dist, REPO],
             env={**os.environ, "TOKENPULSE_REQUIRE_NATIVE": "1"})
    else:
        _run([sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", dist, REPO],
             env={**os.environ, "TOKENPULSE_REQUIRE_NATIVE": "1"})  # a release wheel carries the accelerator
    made = sorted(set(dist.iterdir()) - before) or sorted(dist.glob(f"{NAME}-{version()}*"))
    for path in made:
        _log(f"  {path.name}  {path.stat().st_size / 1e3:.0f} kB")
    return made


# --- PyInstaller bundle ---------------------------------------------------------------------------------
@_step("icons")
def build_icons(build: Path) -> Path:
    out = build / "icons"
    _run([sys.executable, PACKAGING / "icons.py", "--platform-only", "--out", out],
         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    return out


@_step("accelerator")
def build_accelerator(build: Path) -> Path:
    """The compiled scan accelerator, put in app/tokenpulse/native/ (the spec bundles the package from there).

    Built as pip builds the wheel (an isolated build with the setuptools pyproject.toml asks for), then taken
    out of that wheel. A release must carry it: TOKENPULSE_REQUIRE_NATIVE=1 makes a missing compiler an error.
    """
    import zipfile

    out = build / "accelerator"
    shutil.rmtree(out, ignore_errors=True)
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, REPO],
         env={**os.environ, "TOKENPULSE_REQUIRE_NATIVE": "1"})
    wheel = zipfile.ZipFile(next(out.glob(f"{NAME}-*.whl")))
    member = next(n for n in wheel.namelist() if n.startswith(f"{NAME}/native/_scan."))
    target = REPO / "app" / member
    target.write_bytes(wheel.read(member))
    _log(f"  {target.relative_to(REPO)}")
    return target


@_step("bundle")
def build_bundle(dist: Path, build: Path) -> tuple[Path, Path]:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        raise SystemExit("PyInstaller is not installed in this Python: pip install pyinstaller") from None
    build_accelerator(build)
    icons = build_icons(build)
    env = {**os.environ, "TOKENPULSE_ICON_DIR": str(icons)}
    _run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
          "--distpath", dist, "--workpath", build / "pyinstaller", PACKAGING / "pyinstaller" / f"{NAME}.spec"],
         env=env)
    bundle = dist / NAME
    _log(f"  {bundle}: {_du(bundle) / 1e6:.0f} MB")
    return bundle, archive_bundle(dist)


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


@_step("archive")
def archive_bundle(dist: Path) -> Path:
    osname, arch = _os_arch()
    stem = f"{NAME}-{version()}-{osname}-{arch}"
    src = dist / NAME
    if sys.platform == "win32":
        return Path(shutil.make_archive(str(dist / stem), "zip", dist, NAME))
    if sys.platform == "darwin" and (dist / "TokenPulse.app").is_dir():
        src = dist / "TokenPulse.app"
    out = dist / f"{stem}.tar.gz"
    _write_tar_gz(out, src, src.name)
    _log(f"  {out.name}  {out.stat().st_size / 1e6:.0f} MB")
    return out


def _write_tar_gz(out: Path, src: Path, arcroot: str) -> None:
    """A tar.gz with sorted entries, root-owned and one mtime, so the same tree gives the same archive."""
    mtime = int(os.environ.get("SOURCE_DATE_EPOCH", time.time()))

    def norm(ti: tarfile.TarInfo) -> tarfile.TarInfo:
        ti.uid = ti.gid = 0
        ti.uname = ti.gname = "root"
        ti.mtime = mtime
        return ti

    tmp = out.with_name(out.name + ".part")
    with (open(tmp, "wb") as raw,
          gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=mtime) as gz,
          tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar):
        tar.add(src, arcname=arcroot, recursive=False, filter=norm)
        for path in sorted(src.rglob("*")):
            tar.add(path, arcname=f"{arcroot}/{path.relative_to(src).as_posix()}", recursive=False, filter=norm)
    tmp.replace(out)


# --- Debian package -------------------------------------------------------------------------------------
def deb_arch() -> str:
    if shutil.which("dpkg"):
        return subprocess.run(["dpkg", "--print-architecture"], check=True, capture_output=True,
                              text=True).stdout.strip()
    return {"x86_64": "amd64", "arm64": "arm64"}[_os_arch()[1]]


def control_text(size_kib: int) -> str:
    description = (
        "private tracker of the tokens AI coding agents spend\n"
        " tokenpulse reads the local logs of AI coding agents (Claude Code, Codex CLI),\n"
        " keeps each call in a private SQLite ledger and shows today's usage in the\n"
        " system tray, with reports on the command line. Output tokens are the work;\n"
        " input, cache writes and cache reads are what the model was fed.\n"
        " .\n"
        " This package ships a self-contained build (Python and Qt included) in\n"
        " /opt/tokenpulse. It makes no network connections.\n"
    )
    fields = {
        "Package": NAME,
        "Version": version(),
        "Architecture": deb_arch(),
        "Maintainer": DEB_MAINTAINER,
        "Installed-Size": str(size_kib),
        "Depends": ", ".join(DEB_DEPENDS),
        "Recommends": ", ".join(DEB_RECOMMENDS),
        "Section": "utils",
        "Priority": "optional",
        "Description": description.rstrip("\n"),
    }
    return "".join(f"{k}: {v}\n" for k, v in fields.items())


def stage_deb(bundle: Path, root: Path) -> None:
    """Lay out the package tree under `root` (DEBIAN/ is written by build_deb)."""
    if root.exists():
        shutil.rmtree(root)
    opt = root / "opt" / NAME
    shutil.copytree(bundle, opt, symlinks=True)
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / NAME).symlink_to(f"/opt/{NAME}/{NAME}")
    share = root / "usr" / "share"
    linux = REPO / "resources" / "linux"
    _install(linux / f"{APP_ID}.desktop", share / "applications" / f"{APP_ID}.desktop")
    _install(linux / f"{APP_ID}.metainfo.xml", share / "metainfo" / f"{APP_ID}.metainfo.xml")
    icons = REPO / "resources" / "icons"
    for png in sorted((icons / "hicolor").glob(f"*/apps/{NAME}.png")):
        _install(png, share / "icons" / "hicolor" / png.relative_to(icons / "hicolor"))
    _install(icons / f"{NAME}.svg", share / "icons" / "hicolor" / "scalable" / "apps" / f"{NAME}.svg")
    doc = share / "doc" / NAME
    _install(PACKAGING / "debian" / "copyright", doc / "copyright")
    changelog = doc / "changelog.gz"
    changelog.write_bytes(gzip.compress((REPO / "CHANGELOG.md").read_bytes(), compresslevel=9, mtime=0))
    # dpkg wants sane modes whatever the umask or the checkout had: dirs 755, files 644, programs 755
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o755)
        else:
            executable = path.stat().st_mode & 0o111 or path.suffix == ".so" or ".so." in path.name
            path.chmod(0o755 if executable else 0o644)


def _install(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)


def check_deb_depends(bundle: Path) -> list[str]:
    """System libraries the bundle links to that no package in DEB_DEPENDS provides (empty when fine)."""
    internal = bundle / "_internal"
    env = {**os.environ, "LD_LIBRARY_PATH": str(internal)}
    needed: set[str] = set()
    for path in [bundle / NAME, *internal.rglob("*.so*")]:
        if path.is_symlink() or not path.is_file():
            continue
        out = subprocess.run(["ldd", str(path)], check=False, capture_output=True, text=True, env=env).stdout
        for line in out.splitlines():
            m = re.match(r"\s*(\S+) => (\S+)", line)
            if m and m.group(2) != "not" and not Path(m.group(2)).resolve().is_relative_to(bundle.resolve()):
                needed.add(m.group(2))
    declared = {re.split(r"[ (|]", d.strip())[0] for dep in DEB_DEPENDS for d in dep.split("|")}
    closure = _dependency_closure(declared)
    missing = []
    for lib in sorted(needed):
        pkg = _owning_package(lib)
        if pkg and pkg not in closure:
            missing.append(f"{lib} ({pkg})")
    return missing


def _owning_package(lib: str) -> str | None:
    for candidate in (lib, str(Path(lib).resolve()), lib.replace("/usr/lib/", "/lib/", 1)):
        res = subprocess.run(["dpkg", "-S", candidate], check=False, capture_output=True, text=True)
        if res.returncode == 0:
            return res.stdout.split(":", 1)[0].strip()
    return None


def _dependency_closure(packages: set[str]) -> set[str]:
    """The packages plus everything they depend on, as installed here (libgl1 brings libglx0, ...)."""
    seen, todo = set(), list(packages)
    while todo:
        pkg = todo.pop()
        if pkg in seen:
            continue
        seen.add(pkg)
        res = subprocess.run(["dpkg-query", "-W", "-f", "${Depends}, ${Pre-Depends}", pkg],
                             check=False, capture_output=True, text=True)
        for alt in res.stdout.split(","):
            for dep in alt.split("|"):
                name = re.split(r"[ (:]", dep.strip())[0]
                if name:
                    todo.append(name)
    return seen


@_step("deb")
def build_deb(dist: Path, build: Path, compress: str = "xz:6") -> Path:
    """The .deb; `compress` is dpkg-deb's TYPE:LEVEL (xz:6 smallest; zstd:9 is about 20x faster, +20 % size,
    and readable by the dpkg of every distro the bundle runs on: Debian 12+, Ubuntu 22.04+)."""
    if not shutil.which("dpkg-deb"):
        raise SystemExit("dpkg-deb not found: the .deb is built on Debian or Ubuntu")
    bundle = dist / NAME
    if not (bundle / NAME).is_file():
        _log(f"{bundle} missing: building the bundle first")
        build_bundle(dist, build)
    missing = check_deb_depends(bundle)
    if missing:
        raise SystemExit("the bundle needs system libraries that DEB_DEPENDS does not cover:\n  "
                         + "\n  ".join(missing))
    root = build / "deb" / "root"
    stage_deb(bundle, root)
    size_kib = (sum(p.lstat().st_size for p in root.rglob("*")) + 1023) // 1024
    (root / "DEBIAN").mkdir(mode=0o755)
    control = root / "DEBIAN" / "control"
    control.write_text(control_text(size_kib), encoding="utf-8")
    control.chmod(0o644)
    out = dist / f"{NAME}_{version()}_{deb_arch()}.deb"
    ztype, _, zlevel = compress.partition(":")
    _run(["dpkg-deb", "--root-owner-group", f"-Z{ztype}", f"-z{zlevel or 6}", "--build", root, out],
         stdout=subprocess.DEVNULL)
    _log(f"  {out.name}  {out.stat().st_size / 1e6:.0f} MB, installed {size_kib / 1024:.0f} MB")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("target", choices=["wheel", "bundle", "deb", "all"])
    ap.add_argument("--dist", type=Path, default=REPO / "dist", help="output folder (default: dist/)")
    ap.add_argument("--build", type=Path, default=REPO / "build", help="work folder (default: build/)")
    ap.add_argument("--deb-compress", default="xz:6", metavar="TYPE:LEVEL",
                    help="dpkg-deb compression (default xz:6; zstd:9 builds much faster)")
    args = ap.parse_args(argv)
    dist, build = args.dist.resolve(), args.build.resolve()
    t0 = time.monotonic()
    if args.target in ("wheel", "all"):
        build_wheel(dist)
    if args.target in ("bundle", "all"):
        build_bundle(dist, build)
    if args.target in ("deb", "all"):
        build_deb(dist, build, args.deb_compress)
    _log(f"{args.target}: finished in {time.monotonic() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
