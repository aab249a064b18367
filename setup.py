"""Build hooks the declarative pyproject.toml cannot express: the optional compiled accelerator, and the
`resources/` folder (beside the package in a checkout) shipped inside the package as `tokenpulse/resources`.

The extension is optional: without a C compiler or Python's headers the build prints a warning and the
package installs without it (the scan then runs its pure-Python path). `TOKENPULSE_REQUIRE_NATIVE=1` makes a
failed build an error (release builds: the wheel, the bundle and the .deb must carry it).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
REQUIRED = os.environ.get("TOKENPULSE_REQUIRE_NATIVE", "") not in ("", "0")


class BuildPyWithResources(build_py):
    """Copies `resources/` into the built package (what hatch's force-include did)."""

    def run(self) -> None:
        super().run()
        source = HERE / "resources"
        if source.is_dir():
            target = Path(self.build_lib) / "tokenpulse" / "resources"
            shutil.copytree(source, target, dirs_exist_ok=True)


class OptionalBuildExt(build_ext):
    """Says plainly when the accelerator was not built, instead of a compiler traceback and silence."""

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:
            if REQUIRED:
                raise
            print(f"tokenpulse: the compiled accelerator was not built ({exc}); the scan uses its pure-Python"
                  " path (same results, about half the speed)", file=sys.stderr)


NATIVE = "app/tokenpulse/native"
HEADERS = sorted(f"{NATIVE}/{p.name}" for p in (HERE / NATIVE).glob("*.h"))


def source_hash() -> str:
    """The digest of the native sources (tests/native compares it with the built module's)."""
    digest = hashlib.sha256()
    for path in sorted((HERE / NATIVE).glob("*.[ch]")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


ACCELERATOR = Extension(
    "tokenpulse.native._scan",
    sources=[f"{NATIVE}/_scan.c"],
    depends=HEADERS,
    optional=not REQUIRED,
    # so that a test notices a checkout whose in-place build is older than its sources
    define_macros=[("TOKENPULSE_SOURCE_HASH", f'"{source_hash()}"')],
    extra_compile_args=[] if sys.platform == "win32" else ["-O2", "-fvisibility=hidden"],
)

setup(ext_modules=[ACCELERATOR], cmdclass={"build_py": BuildPyWithResources, "build_ext": OptionalBuildExt})
