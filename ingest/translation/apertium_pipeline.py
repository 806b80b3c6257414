"""One warm Apertium pipeline for one language pair, reused for every sentence.

Measured on this project's call scripts (bench/translate.py, eng->spa):
a persistent null-flush pipeline answers in ~1.5 ms per sentence, the
`apertium-apy` HTTP server in ~12 ms (it runs the same pipelines behind
Tornado) and a fresh `apertium eng-spa` process per sentence in hundreds of
ms. So callmon runs the pair's mode itself: `apertium-wblank-mode -z` turns
the installed mode file into a shell pipeline where every stage flushes on a
NUL byte; each request is written as one NUL-terminated block and answered by
one NUL-terminated block. (The `apertium` wrapper script cannot be used this
way: its gawk filters read ahead and never answer until stdin closes.)

Requests are strictly sequential per pipeline (a lock) and each carries a
numbered superblank tag that must come back with its answer: a pipeline
whose stage died can still flush a stray empty block, and that must never
be taken for a translation. A pipeline that dies or answers out of step is
restarted and the sentence tried once more; one that hangs is killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
from pathlib import Path

from ingest.tasks import spawn
from ingest.translation.base import TranslationFailed

log = logging.getLogger(__name__)

_RESERVED = re.compile(r"([\\\[\]^$/@<>{}*#])")
"""Characters with a meaning in Apertium's stream format, escaped on the way in."""
_SUPERBLANK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]")
_ESCAPED = re.compile(r"\\(.)")
_END_OF_BLOCK = "[][\n]"
"""A trailing blank: lt-proc only finishes the last word once it sees one."""
_STANDALONE_I = re.compile(r"\bi\b(?=$|\s|')")


def escape(text: str, tag: str = "") -> str:
    """Plain text -> one Apertium stream block (no NULs, reserved chars escaped).

    `tag` goes in front as a superblank, which every stage passes through untouched.
    """
    flat = " ".join(text.replace("\0", " ").split())
    return (f"[{tag}]" if tag else "") + _RESERVED.sub(r"\\\1", flat) + _END_OF_BLOCK


def unescape(block: str) -> str:
    """An Apertium output block -> plain text (superblanks dropped, escapes undone)."""
    return " ".join(_ESCAPED.sub(r"\1", _SUPERBLANK.sub(" ", block)).split())


def prepare_english(text: str) -> str:
    """Speech recognisers write the pronoun "i"; Apertium only knows "I"."""
    return _STANDALONE_I.sub("I", text)


class _OutOfStep(RuntimeError):
    """The answer did not carry the request's tag."""


_RESTARTABLE = (BrokenPipeError, ConnectionResetError, asyncio.IncompleteReadError, _OutOfStep)


class ApertiumPipeline:
    """A persistent `<mode> -z` process for one pair (e.g. eng-spa)."""

    def __init__(self, mode_file: Path, bin_dir: Path, timeout_s: float = 5.0) -> None:
        self.mode_file = mode_file
        self.bin_dir = bin_dir
        self.timeout_s = timeout_s
        self._process: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()
        self.starts = 0
        """Processes started so far (1 while the first one lives)."""
        self._sequence = 0

    @property
    def pid(self) -> int | None:
        """The process group leader's pid while a process runs (tests kill it)."""
        return self._process.pid if self._process and self._process.returncode is None else None

    async def translate(self, text: str) -> str:
        """Translate one block of plain text; raises `TranslationFailed`."""
        async with self._lock:
            try:
                return await self._round_trip(text)
            except _RESTARTABLE as error:
                # The process died since the last sentence: one fresh try.
                log.warning("apertium %s died (%r); restarting it", self.mode_file.stem, error)
                await self._kill()
                try:
                    return await self._round_trip(text)
                except _RESTARTABLE as again:
                    await self._kill()
                    raise TranslationFailed(
                        f"apertium {self.mode_file.stem} exits at once ({again!r})", "process died"
                    ) from again

    async def _round_trip(self, text: str) -> str:
        process = await self._running()
        assert process.stdin is not None and process.stdout is not None
        self._sequence += 1
        tag = f"callmon{self._sequence}"
        process.stdin.write(escape(text, tag).encode() + b"\0")
        await process.stdin.drain()
        try:
            block = await asyncio.wait_for(process.stdout.readuntil(b"\0"), self.timeout_s)
        except TimeoutError:
            # Its state is unknown now (half a sentence inside): start over next time.
            await self._kill()
            raise TranslationFailed(
                f"apertium {self.mode_file.stem} gave no answer in {self.timeout_s:g} s", "timeout"
            ) from None
        answer = block[:-1].decode("utf-8", errors="replace")
        if f"[{tag}]" not in answer:
            raise _OutOfStep(f"expected [{tag}], got {answer[:80]!r}")
        return unescape(answer)

    async def _running(self) -> asyncio.subprocess.Process:
        if self._process is not None and self._process.returncode is None:
            return self._process
        if self._process is not None:
            await self._kill()
        command = await self._pipeline_command()
        env = {**os.environ, "PATH": f"{self.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
        # $1 = lt-proc's generation option (-n: no unknown-word marks), $2 = tagger option.
        self._process = await asyncio.create_subprocess_exec(
            "bash",
            "-c",
            command,
            "apertium",
            "-n",
            "",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            start_new_session=True,
            limit=1 << 22,
        )
        self.starts += 1
        spawn(self._log_stderr(self._process), name=f"apertium-{self.mode_file.stem}-stderr")
        log.info("apertium %s started (pid %d)", self.mode_file.stem, self._process.pid)
        return self._process

    async def _pipeline_command(self) -> str:
        tool = self.bin_dir / "apertium-wblank-mode"
        try:
            process = await asyncio.create_subprocess_exec(
                str(tool),
                "-z",
                str(self.mode_file),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as error:
            raise TranslationFailed(f"cannot run {tool}: {error}", "not installed") from error
        out, err = await process.communicate()
        if process.returncode != 0 or not out.strip():
            raise TranslationFailed(
                f"{tool} -z {self.mode_file} failed: {err.decode(errors='replace').strip()}",
                "bad mode",
            )
        return out.decode().strip()

    async def _log_stderr(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        async for line in process.stderr:
            log.warning("apertium %s: %s", self.mode_file.stem, line.decode(errors="replace").rstrip())

    async def _kill(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        # The whole group: when bash is gone, stages may still wait on their pipes.
        with contextlib.suppress(ProcessLookupError):  # all already gone
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()

    async def close(self) -> None:
        async with self._lock:
            await self._kill()
