"""The errors mlci raises on purpose; `cli.main` turns them into one line and an exit code."""

from __future__ import annotations

from collections.abc import Iterator


class MlciError(Exception):
    """An expected failure: bad input, a missing file, a failed subprocess."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ConfigError(MlciError, ValueError):
    """A configuration or input file is malformed (names the file and key)."""


class NotAProject(MlciError):
    """The directory is not a git repository or not a DVC project."""


class RevisionNotFound(MlciError, LookupError):
    """A git revision does not exist in this repository."""


class PipelineError(MlciError):
    """DVC could not reproduce the pipeline."""


class StageFailed(PipelineError):
    """A stage's command exited non-zero."""

    def __init__(self, stage: str, command: str, exit_code: int | None, tail: str) -> None:
        code = "?" if exit_code is None else str(exit_code)
        message = f"stage '{stage}' failed: `{command}` exited with {code}"
        if tail:
            message += "\n--- last lines of its output ---\n" + tail
        super().__init__(message, hint=f"fix the stage, then run `mlci repro {stage}`")
        self.stage = stage
        self.command = command
        self.stage_exit_code = exit_code


class ArtifactMismatch(MlciError):
    """A downloaded artifact is not the file the registry recorded (md5 mismatch): never load it."""


class ForgeError(MlciError):
    """A GitHub or GitLab API call failed."""


def causes(exc: BaseException, depth: int = 6) -> Iterator[BaseException]:
    """`exc`, then what caused it, and so on (at most `depth` of them)."""
    seen: BaseException | None = exc
    for _ in range(depth):
        if seen is None:
            return
        yield seen
        seen = seen.__cause__ or seen.__context__


def flatten_message(exc: BaseException) -> str:
    """The messages of `exc` and what caused it, each once, joined by ": " (four at most)."""
    parts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(parts) < 4:
        text = " ".join(str(seen).split())
        if text and text not in parts:
            parts.append(text)
        seen = seen.__cause__ or seen.__context__
    return ": ".join(parts) or type(exc).__name__
