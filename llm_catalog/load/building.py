"""Reading catalog files and merging them into records, collecting every problem.

:func:`llm_catalog.load.loader.check_catalog` drives this module: each file is read and
parsed (:func:`read_file`), then handed to a :class:`Builder`, which checks it
against the schema, merges records and overrides across files, and builds the
:class:`~llm_catalog.query.catalog.Catalog` when no file has a problem. It is kept apart
from the loader so that a catalog read from its compiled cache never imports
YAML, jsonschema or pydantic.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from llm_catalog.data.errors import Problem
from llm_catalog.data.profiles import Profile
from llm_catalog.data.records import Model, Provider
from llm_catalog.data.yamlsource import Document, escape_pointer
from llm_catalog.load import checks, consistency
from llm_catalog.load.reading import read_file
from llm_catalog.query.catalog import Catalog, Layer, locate

__all__ = ["Builder", "Source", "read_file"]  # read_file from llm_catalog.load.reading


@dataclass
class Source:
    """One parsed file and the pointers where problems were already reported."""

    display: str
    document: Document
    bad: set[str] = field(default_factory=set)
    # Every bad pointer and each of its ancestors, so that is_bad is one lookup
    # however many problems a file has.
    _bad_or_above: set[str] = field(default_factory=set)

    @property
    def value(self) -> dict[str, Any]:
        value: dict[str, Any] = self.document.value
        return value

    def mark_bad(self, pointer: str) -> None:
        """Note that a problem was reported at ``pointer``."""
        self.bad.add(pointer)
        probe = pointer
        while probe not in self._bad_or_above:
            self._bad_or_above.add(probe)
            if not probe:
                break
            probe = probe.rsplit("/", 1)[0]

    def is_bad(self, pointer: str) -> bool:
        """True when a problem was reported at ``pointer`` or inside it."""
        return pointer in self._bad_or_above


class Builder:
    """Merges parsed files into records, collecting problems as it goes."""

    def __init__(self, *, rules: bool = False, today: dt.date | None = None) -> None:
        self.rules = rules
        self.today = today
        self.problems: list[Problem] = []
        self.providers: dict[str, list[Layer]] = {}
        self.provider_sources: dict[str, tuple[Source, str]] = {}
        self.models: dict[str, list[Layer]] = {}
        self.model_sources: dict[str, tuple[Source, str]] = {}
        self.model_provider: dict[str, str] = {}
        self.refs: list[tuple[Source, str]] = []
        self.overrides: list[tuple[Source, str, str, dict[str, Any]]] = []
        self.broken: set[str] = set()
        self.profiles: dict[str, Layer] = {}
        self.profile_sources: dict[str, Source] = {}

    def report(self, source: Source, pointer: str, message: str, at_key: bool = False) -> None:
        positions = source.document.keys if at_key else source.document.values
        probe = pointer
        while probe not in positions and probe:
            probe = probe.rsplit("/", 1)[0]
        line, column = positions.get(probe, source.document.values.get(probe, (0, 0)))
        source.mark_bad(pointer)
        self.problems.append(Problem(source.display, line + 1, column + 1, pointer, message))

    def report_at(self, layers: Sequence[Layer], relative: str, message: str) -> None:
        pointer, where = locate(tuple(layers), relative)
        self.problems.append(Problem(where.file, where.line, where.column, pointer, message))

    def add_file(self, source: Source) -> None:
        value = source.value
        secrets = []
        for pointer, is_key in checks.iter_key_shaped(value):
            secrets.append(pointer)
            self.report(
                source,
                pointer,
                f"this {'key' if is_key else 'value'} looks like an API key: catalog files hold "
                "the names of environment variables (api_key_env: [OPENAI_API_KEY]), never keys; "
                "remove it and revoke the key",
                at_key=is_key,
            )
        for pointer, at_key, message in checks.iter_schema_problems(value):
            # A key-shaped value is reported once, as a key, never quoted again.
            if not any(pointer == secret or pointer.startswith(secret + "/") for secret in secrets):
                self.report(source, pointer, message + _whole_field_hint(value, pointer), at_key)

        provider = value.get("provider")
        ref = value.get("provider_ref")
        provider_id: str | None = None
        if isinstance(provider, dict) and isinstance(provider.get("id"), str):
            provider_id = provider["id"]
            if provider_id in self.providers:
                first = self.providers[provider_id][0].locate("")[1]
                self.report(
                    source,
                    "/provider/id",
                    f"duplicate provider id {provider_id!r}, already defined at {first}: "
                    "to change it, use provider_overrides",
                )
            else:
                self.providers[provider_id] = [
                    Layer(source.display, source.document, "/provider", provider)
                ]
                self.provider_sources[provider_id] = (source, "/provider")
        if provider is not None and ref is not None:
            self.report(
                source, "/provider_ref", "give either 'provider' or 'provider_ref', not both"
            )
        elif isinstance(ref, str):
            provider_id = ref
            self.refs.append((source, ref))
        models = value.get("models")
        if (
            isinstance(models, list)
            and models
            and provider_id is None
            and not source.is_bad("/provider")
        ):
            self.report(
                source,
                "/models",
                "models need a provider: add a 'provider' record to this file, or "
                "'provider_ref: <id>' to add them to a provider defined elsewhere",
            )
        if isinstance(models, list) and provider_id is not None:
            for index, entry in enumerate(models):
                self._add_model(source, provider_id, index, entry)
        for key in ("overrides", "provider_overrides"):
            entries = value.get(key)
            if isinstance(entries, list):
                for index, entry in enumerate(entries):
                    if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                        self.overrides.append((source, key, f"/{key}/{index}", entry))
        profiles = value.get("profiles")
        if isinstance(profiles, dict):
            for name, entry in profiles.items():
                if isinstance(name, str) and isinstance(entry, dict):
                    self._add_profile(source, name, entry)

    def _add_profile(self, source: Source, name: str, entry: dict[str, Any]) -> None:
        pointer = f"/profiles/{escape_pointer(name)}"
        first = self.profiles.get(name)
        if first is not None:
            line, column = first.document.keys.get(first.pointer, (0, 0))
            self.report(
                source,
                pointer,
                f"duplicate profile {name!r}, already defined at "
                f"{first.file}:{line + 1}:{column + 1}: rename one of them",
                at_key=True,
            )
            return
        self.profiles[name] = Layer(source.display, source.document, pointer, entry)
        self.profile_sources[name] = source

    def _add_model(self, source: Source, provider_id: str, index: int, entry: Any) -> None:
        base = f"/models/{index}"
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            return
        short = entry["id"]
        if short.startswith(provider_id + "/"):
            self.report(
                source,
                f"{base}/id",
                f"write the id without the provider prefix: {short.removeprefix(provider_id + '/')!r} "
                f"(the full id becomes {short!r})",
            )
            return
        full = f"{provider_id}/{short}"
        if full in self.models:
            first = self.models[full][0].locate("")[1]
            self.report(
                source,
                f"{base}/id",
                f"duplicate model id {full!r}, already defined at {first}: to change it, "
                "use overrides",
            )
            return
        self.models[full] = [Layer(source.display, source.document, base, entry)]
        self.model_sources[full] = (source, base)
        self.model_provider[full] = provider_id

    def resolve(self) -> None:
        """Check references between files and apply overrides."""
        for source, ref in self.refs:
            if ref not in self.providers and not source.is_bad("/provider_ref"):
                self.report(
                    source,
                    "/provider_ref",
                    checks.unknown_id_message(ref, set(self.providers), "provider"),
                )
        for source, key, pointer, entry in self.overrides:
            target = entry["id"]
            table = self.models if key == "overrides" else self.providers
            if target not in table:
                if not source.is_bad(f"{pointer}/id"):
                    kind = "model" if key == "overrides" else "provider"
                    self.report(
                        source,
                        f"{pointer}/id",
                        checks.unknown_id_message(target, set(table), kind)
                        + f" (an override changes an existing {kind}; to add one, "
                        + (
                            "list it under 'models')"
                            if kind == "model"
                            else "give a 'provider' record)"
                        ),
                    )
                continue
            if source.is_bad(pointer):
                self.broken.add(target)
                continue
            patch = {k: v for k, v in entry.items() if k != "id"}
            table[target].append(Layer(source.display, source.document, pointer, patch))
        self._inherit()

    def _inherit(self) -> None:
        """Give each model written with ``extends`` the fields of the model it names.

        The named model's record, its overrides included, comes first; every
        top-level field the extending record gives replaces the named one's
        whole (so a ``pricing`` it gives is the whole of its pricing). ``id``,
        ``aliases`` and ``extends`` are never inherited. Chains resolve in order;
        a cycle or an unknown id is a problem at the ``extends`` line.
        """
        done: dict[str, list[Layer] | None] = {}

        def resolve(full: str, chain: tuple[str, ...]) -> list[Layer] | None:
            if full in done:
                return done[full]
            done[full] = None  # until resolved: a failure, or a cycle met again
            layers = self.models[full]
            source, pointer = self.model_sources[full]
            parent = layers[0].data.get("extends")
            if not isinstance(parent, str) or source.is_bad(pointer):
                done[full] = layers
                return layers
            provider_id = self.model_provider[full]
            target = f"{provider_id}/{parent}"
            where = f"{pointer}/extends"
            if parent.startswith(provider_id + "/"):
                self.report(
                    source,
                    where,
                    f"write the id without the provider prefix: "
                    f"{parent.removeprefix(provider_id + '/')!r}",
                )
                return None
            if target not in self.models or self.model_provider[target] != provider_id:
                same = {
                    k.split("/", 1)[1] for k, p in self.model_provider.items() if p == provider_id
                }
                self.report(
                    source,
                    where,
                    checks.unknown_id_message(parent, same)
                    + f" (extends names a model of the same provider, {provider_id!r}, "
                    "by its id in the file)",
                )
                return None
            if target in (*chain, full):
                cycle = " -> ".join(name.split("/", 1)[1] for name in (*chain, full, target))
                self.report(
                    source,
                    where,
                    f"extends goes round in a cycle: {cycle}; end it at a model that extends none",
                )
                return None
            inherited = resolve(target, (*chain, full))
            parent_source, parent_pointer = self.model_sources[target]
            if inherited is None or target in self.broken or parent_source.is_bad(parent_pointer):
                return None  # the named model's problem is reported with it
            own = set(layers[0].data) | {"id", "aliases", "extends"}
            kept = [
                Layer(
                    layer.file,
                    layer.document,
                    layer.pointer,
                    {key: value for key, value in layer.data.items() if key not in own},
                )
                for layer in inherited
            ]
            resolved = [*kept, *layers]
            done[full] = resolved
            return resolved

        for full in list(self.models):
            resolved = resolve(full, ())
            if resolved is None:
                self.broken.add(full)
            else:
                self.models[full] = resolved

    def build(self) -> Catalog | None:
        providers: dict[str, Provider] = {}
        for provider_id, layers in self.providers.items():
            source, pointer = self.provider_sources[provider_id]
            if source.is_bad(pointer) or provider_id in self.broken:
                continue
            data = _merge(layers)
            try:
                record = Provider.model_validate(data)
            except ValidationError as error:
                self._report_validation(layers, error)
                continue
            for relative, message in checks.iter_provider_problems(record):
                self.report_at(layers, relative, message)
            providers[provider_id] = record

        models: dict[str, Model] = {}
        # Aliases written on models that turned out invalid: reported with their model,
        # so a profile naming one is not reported again.
        unchecked_aliases: set[str] = set()
        for full, layers in self.models.items():
            source, pointer = self.model_sources[full]
            provider_id = self.model_provider[full]
            if source.is_bad(pointer) or full in self.broken or provider_id not in self.providers:
                continue
            data = _merge(layers)
            data.pop("extends", None)
            data["id"] = full
            data["provider"] = provider_id
            try:
                models[full] = Model.model_validate(data)
            except ValidationError as error:
                self._report_validation(layers, error)
                written = data.get("aliases")
                if isinstance(written, list):
                    unchecked_aliases.update(a for a in written if isinstance(a, str))

        known = frozenset(self.models)
        if self.rules and self.today is not None:
            seen: set[tuple[str, int, int, str]] = set()
            for full, relative, message in consistency.iter_rule_problems(models, self.today):
                pointer, where = locate(tuple(self.models[full]), relative)
                # A value inherited through extends is reported once, where it is written.
                place = (where.file, where.line, where.column, message)
                if place not in seen:
                    seen.add(place)
                    self.problems.append(
                        Problem(where.file, where.line, where.column, pointer, message)
                    )
        aliases: dict[str, str] = {}
        for full, model in models.items():
            layers = self.models[full]
            for relative, message in checks.iter_model_problems(model, known):
                self.report_at(layers, relative, message)
            for index, alias in enumerate(model.aliases):
                clash = None
                if alias in known:
                    clash = f"it is the id of model {alias!r}"
                elif alias in aliases:
                    where = locate(tuple(self.models[aliases[alias]]), "/aliases")[1]
                    clash = f"it is already an alias of {aliases[alias]!r} ({where})"
                if clash:
                    self.report_at(
                        layers, f"/aliases/{index}", f"alias {alias!r} cannot be used: {clash}"
                    )
                else:
                    aliases[alias] = full
        # Problems in profiles leave the models alone: a query that matches nothing is
        # worth reporting unless some model may be missing from the catalog.
        records_valid = all(
            p.pointer == "/profiles" or p.pointer.startswith("/profiles/") for p in self.problems
        )

        profiles: dict[str, Profile] = {}
        for name, layer in self.profiles.items():
            if self.profile_sources[name].is_bad(layer.pointer):
                continue
            try:
                profiles[name] = Profile.model_validate(dict(layer.data))
            except ValidationError as error:
                self._report_validation((layer,), error)

        origins = {key: tuple(value) for key, value in self.providers.items()}
        origins.update({key: tuple(value) for key, value in self.models.items()})
        layers_in_order = [layer for layers in origins.values() for layer in layers]
        layers_in_order += self.profiles.values()
        files = tuple(dict.fromkeys(layer.file for layer in layers_in_order))
        # Built even when other records are invalid, so that profiles are checked
        # against what is valid; it is returned only when nothing is wrong.
        catalog = Catalog(
            providers,
            {full: model for full, model in models.items() if model.provider in providers},
            aliases,
            origins,
            files,
            profiles=profiles,
            profile_origins=self.profiles,
        )
        defined_models = frozenset(self.models) | frozenset(unchecked_aliases)
        for name, profile in profiles.items():
            layer = self.profiles[name]
            problems = checks.iter_profile_problems(
                profile,
                catalog,
                defined_models=defined_models,
                defined_providers=frozenset(self.providers),
                require_matches=records_valid,
            )
            for relative, at_key, message in problems:
                source = self.profile_sources[name]
                self.report(source, layer.pointer + relative, message, at_key=at_key)
        return None if self.problems else catalog

    def _report_validation(self, layers: Sequence[Layer], error: Any) -> None:
        for detail in error.errors():
            relative = "".join(f"/{escape_pointer(str(part))}" for part in detail["loc"])
            self.report_at(layers, relative, str(detail["msg"]))


def _whole_field_hint(value: Mapping[str, Any], pointer: str) -> str:
    """A reminder, for a key missing inside a field of a model that extends another,
    that the field replaces the other model's whole field."""
    parts = pointer.split("/")
    if len(parts) < 4 or parts[1] != "models" or not parts[2].isdigit():
        return ""
    models = value.get("models")
    entry = models[int(parts[2])] if isinstance(models, list) else None
    if isinstance(entry, dict) and "extends" in entry:
        return (
            f"; with extends, this {parts[3]} replaces all of {entry['extends']}'s: give it whole"
        )
    return ""


def _merge(layers: Sequence[Layer]) -> dict[str, Any]:
    """The record's data after every layer: mappings merge key by key; lists and values replace."""

    def merge(into: dict[str, Any], patch: Mapping[str, Any]) -> None:
        for key, value in patch.items():
            if isinstance(value, Mapping) and isinstance(into.get(key), dict):
                merge(into[key], value)
            else:
                into[key] = copy.deepcopy(value)

    data: dict[str, Any] = {}
    for layer in layers:
        merge(data, layer.data)
    return data
