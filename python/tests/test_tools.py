"""Where the package finds QKVTie's tools, its GPU runtime and LLVM: an
installed prefix or a checkout's build/, each with the share/qkvtie/
config.json CMake writes, in fake trees (nothing here runs a tool)."""
import json
import pathlib
import re

import pytest

from qkvtie import CompileError, compiler, find_tool
from qkvtie.runtime import set_num_threads

REPO = pathlib.Path(__file__).resolve().parents[2]
TOOLS = ("qkvtie-opt", "qkvtie-compile")


def _executable(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def _tree(root, llvm, config=True):
    """A build or install tree as CMake lays it out, configured with the
    fake LLVM `llvm` (bin/clang, lib/)."""
    for tool in TOOLS:
        _executable(root / "bin" / tool)
    (root / "lib").mkdir(parents=True, exist_ok=True)
    (root / "lib" / "libqkvtie_cuda_runtime.so").write_bytes(b"")
    if config:
        (root / "share" / "qkvtie").mkdir(parents=True)
        (root / "share" / "qkvtie" / "config.json").write_text(json.dumps({
            "llvm_tools_dir": str(llvm / "bin"),
            "llvm_library_dir": str(llvm / "lib"),
            "cuda_path": "/opt/cuda"}))
    return root


@pytest.fixture
def llvm(tmp_path):
    _executable(tmp_path / "llvm" / "bin" / "clang")
    (tmp_path / "llvm" / "lib").mkdir()
    return tmp_path / "llvm"


@pytest.fixture
def env(monkeypatch, tmp_path):
    """No overrides, and a PATH with nothing of QKVTie's on it."""
    monkeypatch.delenv("QKVTIE_BUILD", raising=False)
    monkeypatch.delenv("QKVTIE_LLVM_BIN", raising=False)
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    return monkeypatch


def _package_at(monkeypatch, package):
    """Runs the lookups as if the package were the one at `package`."""
    monkeypatch.setattr(compiler, "_PACKAGE", package)


@pytest.mark.parametrize("packages", ["lib/python3.11/site-packages",
                                      "lib/python3/dist-packages"])
def test_installed_prefix(env, tmp_path, llvm, packages):
    prefix = _tree(tmp_path / "prefix", llvm)
    _package_at(env, prefix / packages / "qkvtie")
    for tool in TOOLS:
        assert find_tool(tool) == str(prefix / "bin" / tool)
    assert find_tool("clang") == str(llvm / "bin" / "clang")
    # Not in LLVM's bin/: left for PATH, as before.
    assert find_tool("no-such-llvm-tool") == "no-such-llvm-tool"
    assert compiler.llvm_library_dir() == llvm / "lib"
    assert compiler.build_config()["cuda_path"] == "/opt/cuda"
    assert compiler._runtime_library() == prefix / "lib" / "libqkvtie_cuda_runtime.so"


def test_installed_package_ignores_a_build_tree_beside_it(env, tmp_path, llvm):
    """An installed package has no checkout: its tools are in its prefix or
    on PATH, never in a build/ that happens to sit nearby."""
    prefix = tmp_path / "prefix"
    _tree(prefix / "lib" / "python3.11" / "build", llvm)
    _package_at(env, prefix / "lib" / "python3.11" / "site-packages" / "qkvtie")
    with pytest.raises(CompileError, match="qkvtie-opt not found.*QKVTIE_BUILD"):
        find_tool("qkvtie-opt")


def test_tools_on_path_find_their_config_through_links(env, tmp_path, llvm):
    """bin/ on PATH may hold links into the prefix (/usr/local/bin ->
    /opt/qkvtie/bin): the configuration is beside the tools' real bin/."""
    prefix = _tree(tmp_path / "opt" / "qkvtie", llvm)
    links = tmp_path / "links"
    links.mkdir()
    for tool in TOOLS:
        (links / tool).symlink_to(prefix / "bin" / tool)
    env.setenv("PATH", str(links))
    _package_at(env, tmp_path / "site" / "lib" / "python3.11" / "site-packages" / "qkvtie")
    assert find_tool("qkvtie-compile") == str(links / "qkvtie-compile")
    assert find_tool("clang") == str(llvm / "bin" / "clang")
    assert compiler._runtime_library() == prefix / "lib" / "libqkvtie_cuda_runtime.so"


def test_checkout_build_then_path(env, tmp_path, llvm):
    """From a checkout: its build/ first, PATH only when that has no tools
    (an installed QKVTie on PATH may be another version)."""
    checkout = tmp_path / "checkout"
    _package_at(env, checkout / "python" / "qkvtie")
    other = _tree(tmp_path / "other", llvm)
    env.setenv("PATH", str(other / "bin"))
    assert find_tool("qkvtie-opt") == str(other / "bin" / "qkvtie-opt")
    build = _tree(checkout / "build", llvm)
    assert find_tool("qkvtie-opt") == str(build / "bin" / "qkvtie-opt")
    assert compiler._runtime_library() == build / "lib" / "libqkvtie_cuda_runtime.so"


def test_overrides(env, tmp_path, llvm):
    """$QKVTIE_BUILD before the installed prefix; $QKVTIE_LLVM_BIN before
    the configuration (and its lib/ beside it)."""
    prefix = _tree(tmp_path / "prefix", llvm)
    _package_at(env, prefix / "lib" / "python3.11" / "site-packages" / "qkvtie")
    build = _tree(tmp_path / "build", llvm, config=False)
    env.setenv("QKVTIE_BUILD", str(build))
    assert find_tool("qkvtie-opt") == str(build / "bin" / "qkvtie-opt")
    assert compiler._runtime_library() == build / "lib" / "libqkvtie_cuda_runtime.so"
    # That build has no configuration, and says what to do.
    with pytest.raises(CompileError, match="config.json not found.*QKVTIE_LLVM_BIN"):
        find_tool("clang")
    other = tmp_path / "other-llvm"
    _executable(other / "bin" / "clang")
    env.setenv("QKVTIE_LLVM_BIN", str(other / "bin"))
    assert find_tool("clang") == str(other / "bin" / "clang")
    assert compiler.llvm_library_dir() == other / "lib"


def test_missing_runtime_library_says_how_to_get_it(env, tmp_path, llvm):
    build = _tree(tmp_path / "checkout" / "build", llvm)
    (build / "lib" / "libqkvtie_cuda_runtime.so").unlink()
    _package_at(env, tmp_path / "checkout" / "python" / "qkvtie")
    with pytest.raises(CompileError, match="libqkvtie_cuda_runtime.so not found"):
        compiler._runtime_library()


def test_set_num_threads_loads_the_configured_libomp(env, tmp_path, llvm):
    """libomp comes from the LLVM in the configuration: a fake one fails to
    load, naming its path."""
    (llvm / "lib" / "libomp.so").write_bytes(b"not a library")
    _package_at(env, _tree(tmp_path / "checkout" / "build", llvm).parent
                / "python" / "qkvtie")
    with pytest.raises(OSError, match=re.escape(str(llvm / "lib" / "libomp.so"))):
        set_num_threads(1)


def test_this_checkout_is_not_an_install(monkeypatch):
    if compiler._PACKAGE != REPO / "python" / "qkvtie":
        pytest.skip("the package is not this checkout's")
    assert compiler._install_prefix() is None
    monkeypatch.delenv("QKVTIE_BUILD", raising=False)
    if (REPO / "build" / "bin" / "qkvtie-opt").is_file():
        assert find_tool("qkvtie-opt") == str(REPO / "build" / "bin" / "qkvtie-opt")
