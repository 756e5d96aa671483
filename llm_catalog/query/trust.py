"""How far a record's facts are checked: its trust level, from the evidence it carries.

A record's level is never written by hand; it follows from its provenance:

- ``provider``: pages on the provider's own domains back its prices and its limits:
  every price and limit it gives (a cited page without ``facts`` backs every fact
  of the record, one citing ``pricing`` every price);
- ``aggregators``: it cites no such pages, but both independent aggregators
  (litellm and models.dev) are among its sources;
- ``single``: one aggregator alone, or nothing better.

So a record can claim no more than it cites. The provider's own domains are its
``domains``, else the domains of its ``docs_url`` and ``pricing_url``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from llm_catalog.data.records import Model, Provider
from llm_catalog.data.vocabulary import TrustLevel

__all__ = ["own_domains", "own_page", "trust_level"]

_AGGREGATORS = ("litellm", "models.dev")


def _registrable(host: str) -> str:
    """The last two labels of a host: platform.openai.com -> openai.com."""
    return ".".join(host.split(".")[-2:])


def own_domains(provider: Provider) -> tuple[str, ...]:
    """The domains of the provider's own pages."""
    if provider.domains:
        return provider.domains
    hosts = (urlsplit(url).hostname for url in (provider.docs_url, provider.pricing_url) if url)
    return tuple(dict.fromkeys(_registrable(host) for host in hosts if host))


def own_page(url: str, domains: tuple[str, ...]) -> bool:
    """True when ``url`` is on one of ``domains`` or below it."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def _facts(model: Model) -> dict[str, set[str]]:
    """What of the record a page must back for level provider, by key fact: each price
    kind and billing field it gives, and each limit it gives."""
    needed: dict[str, set[str]] = {"limits": set()}
    for name, value in model.limits:
        if value is not None:
            needed["limits"].add(name)
    if model.pricing is not None:
        needed["pricing"] = {
            name
            for name, value in model.pricing
            if name not in ("source", "effective_from", "tier_billing", "free", "history")
            and value not in (None, (), {})
        }
    return needed


def _backed(fact: str, parts: set[str], cited: set[str]) -> bool:
    """True when the cited paths back ``fact`` whole, or each of its ``parts``."""
    if fact in cited:
        return True
    return all(
        any(path == f"{fact}.{part}" or path.startswith(f"{fact}.{part}.") for path in cited)
        for part in parts
    )


def trust_level(model: Model, provider: Provider) -> TrustLevel:
    """The trust level ``model``'s provenance earns (see the module's docstring).

    A page's ``facts`` back what they name: ``pricing`` backs every price, while
    ``pricing.input`` and ``pricing.output`` back those two alone, so a record that
    also gives a cached or batch price needs them backed too.
    """
    domains = own_domains(provider)
    cited: set[str] = set()
    for page in model.provenance.pages:
        if own_page(page.url, domains):
            if not page.facts:
                return TrustLevel.provider
            cited.update(page.facts)
    if all(_backed(fact, parts, cited) for fact, parts in _facts(model).items()):
        return TrustLevel.provider
    sources = {
        name for source in model.provenance.sources for name in _AGGREGATORS if name in source
    }
    return TrustLevel.aggregators if len(sources) == len(_AGGREGATORS) else TrustLevel.single
