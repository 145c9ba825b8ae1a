"""What the real pages print, for the renderer of test pages: typed from the seed (Belgium 2023), the
real page copies in ../shared/pages and DOMAIN.md, never from `pipeline.catalog` (a wrong label there
must fail the tests, not pass them by construction). The indicator codes are CONTRACT.md's.
"""

from __future__ import annotations

# (code, pillar, label as the global pages print it, first edition), in page order (the seed's).
INDICATORS = [
    ("criminality", "criminality", "Criminality score", 2019),
    ("criminal_markets", "criminal_markets", "Criminal markets", 2019),
    ("human_trafficking", "criminal_markets", "Human trafficking", 2019),
    ("human_smuggling", "criminal_markets", "Human smuggling", 2019),
    ("extortion_and_protection_racketeering", "criminal_markets", "Extortion and protection racketeering", 2023),
    ("arms_trafficking", "criminal_markets", "Arms trafficking", 2019),
    ("trade_in_counterfeit_goods", "criminal_markets", "Trade in counterfeit goods", 2023),
    ("illicit_trade_in_excisable_goods", "criminal_markets", "Illicit trade in excisable goods", 2023),
    ("flora_crimes", "criminal_markets", "Flora crimes", 2019),
    ("fauna_crimes", "criminal_markets", "Fauna crimes", 2019),
    ("non_renewable_resource_crimes", "criminal_markets", "Non-renewable resource crimes", 2019),
    ("heroin_trade", "criminal_markets", "Heroin trade", 2019),
    ("cocaine_trade", "criminal_markets", "Cocaine trade", 2019),
    ("cannabis_trade", "criminal_markets", "Cannabis trade", 2019),
    ("synthetic_drug_trade", "criminal_markets", "Synthetic drug trade", 2019),
    ("cyber_dependent_crimes", "criminal_markets", "Cyber-dependent crimes", 2023),
    ("financial_crimes", "criminal_markets", "Financial crimes", 2023),
    ("criminal_actors", "criminal_actors", "Criminal actors", 2019),
    ("mafia_style_groups", "criminal_actors", "Mafia-style groups", 2019),
    ("criminal_networks", "criminal_actors", "Criminal networks", 2019),
    ("state_embedded_actors", "criminal_actors", "State-embedded actors", 2019),
    ("foreign_actors", "criminal_actors", "Foreign actors", 2019),
    ("private_sector_actors", "criminal_actors", "Private sector actors", 2023),
    ("resilience", "resilience", "Resilience score", 2019),
    ("political_leadership_and_governance", "resilience", "Political leadership and governance", 2019),
    ("government_transparency_and_accountability", "resilience", "Government transparency and accountability", 2019),
    ("international_cooperation", "resilience", "International cooperation", 2019),
    ("national_policies_and_laws", "resilience", "National policies and laws", 2019),
    ("judicial_system_and_detention", "resilience", "Judicial system and detention", 2019),
    ("law_enforcement", "resilience", "Law enforcement", 2019),
    ("territorial_integrity", "resilience", "Territorial integrity", 2019),
    ("anti_money_laundering", "resilience", "Anti-money laundering", 2019),
    ("economic_regulatory_capacity", "resilience", "Economic regulatory capacity", 2019),
    ("victim_and_witness_support", "resilience", "Victim and witness support", 2019),
    ("prevention", "resilience", "Prevention", 2019),
    ("non_state_actors", "resilience", "Non-state actors", 2019),
]
LABEL = {code: label for code, _, label, _ in INDICATORS}
PILLAR = {code: pillar for code, pillar, _, _ in INDICATORS}
COMPOSITES = ("criminality", "criminal_markets", "criminal_actors", "resilience")

# The ENACT 2019 pages (africa2019_*): Title Case, and these words of their own.
TITLE_CASE_2019 = {
    "criminal_markets": "Criminal market",
    "criminal_actors": "Criminal Actors",
    "non_renewable_resource_crimes": "Non-Renewable Resources Crimes",
    "synthetic_drug_trade": "Synthetic Drugs Trade",
    "economic_regulatory_capacity": "Economic Regulatory Environment",
}
# The ENACT 2021/2023 country pages (africa2021_*, africa2023_*).
ENACT_LABELS = {"political_leadership_and_governance": "Political leadership & governance"}
# Headings under the composite scores: global pages, ENACT pages, ENACT 2019's resilience.
HEADINGS = {"global": ("Criminality score", "Resilience score"), "enact": ("Criminality Score", "Resilience Score")}
STATE_RESILIENCE_2019 = "State Resilience Score"

# ENACT groups countries into the African Union's regions (DOMAIN.md): these differ from the global index's.
AU_REGION_OF = {"AGO": "Central Africa", "BDI": "Central Africa", "RWA": "Central Africa",
                "COM": "Southern Africa", "MDG": "Southern Africa"}  # fmt: skip
ADJECTIVE = {"Africa": "African"}


def edition_codes(edition: int) -> dict[str, list[str]]:
    """The indicators each pillar's mean is taken over in an edition (DOMAIN.md's table)."""
    out: dict[str, list[str]] = {"criminal_markets": [], "criminal_actors": [], "resilience": []}
    for code, pillar, _, first in INDICATORS:
        if code not in COMPOSITES and first <= max(edition, 2021):
            out[pillar].append(code)
    return out


def description(code: str) -> str:
    """A description line under an indicator, written for these tests (the real pages' prose is not
    carried by this project)."""
    return f"A description of what the {LABEL[code].lower()} indicator measures, written for the tests."
