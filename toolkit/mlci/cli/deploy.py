"""`mlci deploy context`: the deploy image's build context (what mlci-deploy.yml builds)."""

from __future__ import annotations

from pathlib import Path

import typer

from mlci.cli import app, options

deploy_app = typer.Typer(
    name="deploy", no_args_is_help=True, pretty_exceptions_show_locals=False,
    short_help="The deploy image: its build context.",
    help="The deploy image of a model version (built by mlci-deploy.yml, or by hand with "
    "`docker build -f deploy/Dockerfile DIR`).",
)
app.add_typer(deploy_app, name="deploy")


@deploy_app.command("context",
                    short_help="Write the image's build context: the verified model, wheels.",
                    help="Write DIR/model (the bundle REF names, verified against the "
                    "registry) and DIR/wheels (mlci and the serving runtime: mlci's serve "
                    "extra and the project's requirements.txt, built with pip).")
def context_command(
    ref: str | None = typer.Argument(None, metavar="[REF]", help="NAME#STAGE, NAME@vX.Y.Z or "
                                     "NAME; default: the first model in publish.compare_to."),
    directory: Path = typer.Option(Path("build/image"), "-o", "--dir", metavar="DIR",
                                   help="The build context directory."),
    force: bool = typer.Option(False, "--force", help="Write into a non-empty DIR."),
    outputs: Path | None = typer.Option(
        None, "--outputs", metavar="FILE", help="Append name=, version=, image=, version_tag= "
        "and stage_tag= lines to FILE ($GITHUB_OUTPUT, or a GitLab dotenv report)."),
    as_json: bool = options.JSON,
) -> None:
    from mlci.serving.image import context

    made = context(options.project(), ref, directory, force)
    pairs = made.outputs()
    if outputs is not None:
        with outputs.open("a", encoding="utf-8") as handle:
            handle.write("".join(f"{key}={value}\n" for key, value in pairs.items()))
    options.emit(made, as_json, lambda: f"{directory}: {made.located.name} "
                 f"{made.located.version} (md5 {made.located.md5} verified) and "
                 f"{len(list((directory / 'wheels').glob('*.whl')))} wheels; image "
                 f"{made.image}:{', '.join(made.tags)}")
