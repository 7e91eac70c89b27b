"""The errors mlci raises on purpose; `cli.main` turns them into one line and an exit code."""

from __future__ import annotations


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
