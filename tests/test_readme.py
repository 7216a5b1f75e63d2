"""The README's examples are real: every ```console block is run, command by command, in
a fresh directory, and what each command prints must be what the README shows.

Four things differ from run to run and are compared by shape only: ids (32 hex digits,
or an 8-digit prefix), digests (which cover ids and times), Merkle roots and hashes (64
hex digits or a 16-digit prefix, or 32 bytes in base64: they cover recording times too),
and recording times (the
library stamps them in UTC, `+00:00`; every time the README gives with --at carries
+08:00, and the examples run with TZ=UTC, so "now" prints as +00:00 too). The README's
output becomes a pattern in which each of them matches any value of its shape, so that
an id that happens to be all digits (one in about 50 runs) matches too.

Rewrite the README's outputs from a real run with:  python -m tests.test_readme --update
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
MARK = "@@ledger-readme-step@@"

_ID = re.compile(r"\b[0-9a-f]{32}\b")
# In the README's own text an 8-digit id has a letter and a digit (so that plain words
# and numbers are not taken for ids); in a run's output it may be any 8 hex digits.
_SHORT_ID = re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{8}\b")
_RECORDED = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00")
_DIGEST = re.compile(r"sha256:[0-9a-f]{16}")
_ROOT = re.compile(r"\b[0-9a-f]{64}\b")
_ROOT16 = re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{16}\b")
_HASH64 = re.compile(r'"[A-Za-z0-9+/]{43}="')
_SHAPES = {"<root>": r"[0-9a-f]{64}", "<root16>": r"[0-9a-f]{16}",
           '"<base64-hash>"': r'"[A-Za-z0-9+/]{43}="',
           "<id>": r"[0-9a-f]{32}", "<id8>": r"[0-9a-f]{8}",
           "sha256:<digest>": r"sha256:[0-9a-f]{16}",
           "<recorded-at>": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?\+00:00"}
_PLACEHOLDER = re.compile("|".join(re.escape(k) for k in _SHAPES))


@dataclass
class Step:
    command: str
    output: str
    line: int  # where the command stands in the README


def console_steps(text: str) -> list[Step]:
    steps: list[Step] = []
    in_block = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() == "```console":
            in_block = True
            continue
        if in_block and line.strip() == "```":
            in_block = False
            continue
        if not in_block:
            continue
        if line.startswith("$ "):
            steps.append(Step(line[2:], "", number))
        elif steps and steps[-1].command.endswith("\\") and not steps[-1].output:
            steps[-1].command += "\n" + line
        elif steps:
            steps[-1].output += line + "\n"
    return steps


def normalise(text: str) -> str:
    text = _ROOT.sub("<root>", text)
    text = _HASH64.sub('"<base64-hash>"', text)
    text = _ID.sub("<id>", text)
    text = _SHORT_ID.sub("<id8>", text)
    text = _DIGEST.sub("sha256:<digest>", text)
    text = _ROOT16.sub("<root16>", text)
    return _RECORDED.sub("<recorded-at>", text).rstrip("\n")


def matches(actual: str, readme: str) -> bool:
    """Whether a run printed what the README shows, ids, digests and recording times
    compared by shape.
    """
    shown = normalise(readme)
    pattern, last = [], 0
    for found in _PLACEHOLDER.finditer(shown):
        pattern += [re.escape(shown[last:found.start()]), _SHAPES[found.group()]]
        last = found.end()
    pattern.append(re.escape(shown[last:]))
    return re.fullmatch("".join(pattern), actual.rstrip("\n")) is not None


def run_steps(steps: list[Step]) -> list[str]:
    script = "\n".join(f"{step.command} 2>&1\necho {MARK}" for step in steps)
    bin_dir = str(Path(sys.executable).parent)
    # English unless a block says otherwise (`LEDGER_LANG=zh ledger …`): the reader's
    # own locale must not change what the README shows.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LEDGER_") and k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", TZ="UTC", COLUMNS="100",
               LANG="C.UTF-8")
    with tempfile.TemporaryDirectory() as workdir:
        done = subprocess.run(["bash", "-c", script], cwd=workdir, env=env, text=True,
                              capture_output=True, timeout=300)
    outputs = done.stdout.split(MARK + "\n")
    return [output for output in outputs[: len(steps)]]


def test_every_readme_example_prints_what_the_readme_shows() -> None:
    steps = console_steps(README.read_text(encoding="utf-8"))
    assert len(steps) >= 10, "the README should show every command with real output"

    outputs = run_steps(steps)

    for step, actual in zip(steps, outputs):
        assert matches(actual, step.output), (
            f"README line {step.line}: `{step.command}` printed:\n{actual}\n"
            f"normalised, against the README's:\n{normalise(actual)}\n---\n"
            f"{normalise(step.output)}")


def update(attempts: int = 5) -> None:
    text = README.read_text(encoding="utf-8")
    steps = console_steps(text)
    for _attempt in range(attempts):
        outputs = run_steps(steps)
        # Written, would the test match another run? Not when an id came out as digits
        # only (or letters only), which the README's text cannot tell from a number or a
        # word. A second run, with ids of its own, tells; ids are random, so run again.
        if all(matches(again, actual) for again, actual in zip(run_steps(steps), outputs)):
            break
    else:
        sys.exit(f"{attempts} runs each printed an id the README cannot show: run again")
    lines = text.splitlines()
    # Replace each step's output lines, from the last step up so line numbers hold.
    for step, actual in reversed(list(zip(steps, outputs))):
        start = step.line + step.command.count("\n")
        old_count = len(step.output.splitlines())
        lines[start:start + old_count] = actual.rstrip("\n").splitlines()
    README.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_root_and_its_prefix_and_a_base64_hash_match_by_shape() -> None:
    readme = ('ok: 3 events, root ' + "5e3c0a9f" * 8 + '\n1  3  92e13fc37afdf9ee  x\n'
              '  "root": "Fsi+hl8dh2ycl4+tOmwN4Rb9suCl5mopgx7hiqb9tXo=",\n')

    assert matches('ok: 3 events, root ' + "0123abcd" * 8 + '\n1  3  0123456789abcdef  x\n'
                   '  "root": "RmTMDsxb5a4Zf6ouQKjGJw8BEqMQZgp0mVN0x+RAHAs=",', readme)
    assert not matches('ok: 3 events, root ' + "0123abcd" * 7 + '\n1  3  0123456789abcdef  x'
                       '\n  "root": "RmTMDsxb5a4Zf6ouQKjGJw8BEqMQZgp0mVN0x+RAHAs=",', readme)
    assert not matches('ok: 4 events, root ' + "0123abcd" * 8 + '\n1  3  0123456789abcdef  x'
                       '\n  "root": "RmTMDsxb5a4Zf6ouQKjGJw8BEqMQZgp0mVN0x+RAHAs=",', readme)


def test_an_all_digit_short_id_matches_the_readme_shape() -> None:
    readme = "sanction_id=5bc263dd; flag_id=1b0645a6\n"

    assert matches("sanction_id=80582170; flag_id=3f2a9c1e", readme)
    assert not matches("sanction_id=8058217; flag_id=3f2a9c1e", readme)
    assert not matches("sanction_id=80582170; flag_id=3f2a9c1e; more", readme)


REPOSITORY = README.parent
_LINK = re.compile(r"\]\(([\w.:/#%-]+)\)")  # [text](target); not a regex's ](?: … )
_OUTSIDE = re.compile(r"(?<![\w.])\.\./|/work/")  # ../shared, or this machine's own paths


def links_that_leave(path: Path) -> list[str]:
    """The links and paths of a Markdown file that a clone of the repository would not
    have: a relative link to nothing, or to anything outside the repository.
    """
    text = path.read_text(encoding="utf-8")
    found = []
    for target in _LINK.findall(text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # a web address, or a section of the same page
        local = (path.parent / target.split("#")[0]).resolve()
        if not local.is_relative_to(REPOSITORY) or not local.exists():
            found.append(target)
    outside = [line.strip() for line in text.splitlines() if _OUTSIDE.search(line)]
    return found + [line for line in outside if not _LINK.search(line)]


def test_the_readme_and_the_docs_point_only_inside_the_repository() -> None:
    pages = [README, *sorted((REPOSITORY / "docs").glob("*.md"))]

    assert REPOSITORY / "docs" / "DOMAIN.md" in pages
    assert {str(page.relative_to(REPOSITORY)): links_that_leave(page) for page in pages} == {
        str(page.relative_to(REPOSITORY)): [] for page in pages}
    assert (REPOSITORY / "docs" / "rulebooks.zh.txt").read_text(encoding="utf-8").count("篇") >= 4


def test_a_link_or_a_path_out_of_the_repository_is_found(tmp_path: Path) -> None:
    stray = tmp_path / "page.md"
    stray.write_text("see `../shared/DOMAIN.md`\n[it](../../outside.md)\n[here](#words)\n"
                     "[web](https://example.com)\n", encoding="utf-8")

    assert links_that_leave(stray) == ["../../outside.md", "see `../shared/DOMAIN.md`"]

if __name__ == "__main__":
    if sys.argv[1:] == ["--update"]:
        update()
    else:
        sys.exit("usage: python -m tests.test_readme --update")
