"""What an image rule is: a check over an image read from an archive or an engine (config and the merged
file index, hidden versions included), reported at the layer and file it concerns."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dockwise.diagnostics import Diagnostic, LayerLocation
from dockwise.image.archive import Image
from dockwise.rules._base import Rule, rule_diagnostic


@dataclass(frozen=True, slots=True)
class ImageContext:
    image: Image
    name: str
    """How the user named the image (a path or a reference)."""

    def diagnostic(
        self, rule: type[Rule] | Rule, message: str, layer: int | None = None, file_path: str | None = None
    ) -> Diagnostic:
        digest = (
            self.image.layers[layer].digest if layer is not None and layer < len(self.image.layers) else ""
        )
        return rule_diagnostic(rule, LayerLocation(self.name, digest, file_path), message)


class ImageRule(Rule):
    abstract = True

    def check(self, context: ImageContext) -> Iterator[Diagnostic]:
        raise NotImplementedError
