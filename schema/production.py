"""Production answers no "Did you mean ...?": suggestions would reveal field, argument,
type and enum value names to callers who may not introspect."""

from __future__ import annotations

import re

from graphql import GraphQLError

from schema.extensions import CheapMaskErrors

_SUGGESTION = re.compile(r"\s*Did you mean .*$", re.DOTALL)


def _suggests(error: GraphQLError) -> bool:
    return "Did you mean" in error.message


class HideSuggestions(CheapMaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=_suggests)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        error.message = _SUGGESTION.sub("", error.message)  # in place: keeps code and request id
        return error
