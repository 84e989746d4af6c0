"""Phone numbers and e-mail addresses as match evidence.

Phones: python-stdnum's cousin `phonenumbers` is the authority on validity, but at ~40 us a
number it cannot be called 2.5 million times. North American numbers are therefore reduced to
their ten digits with column regexes, and phonenumbers' NANP metadata is applied to the whole
column at once with RE2 (matching/nanp.py), which `tests/test_standardise_contacts.py` checks
against per-number calls. Numbers written in another country's format (+44 ..., 011 33 ...)
and vanity numbers go to `phonenumbers` one distinct value at a time; they are rare.

E-mails: lower-cased and stripped; the domain is kept as evidence unless it is a free-mail or
consumer ISP domain, which thousands of unrelated businesses share.
"""

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa

from matching.nanp import valid_nanp
from matching.text import map_unique, regex_extract

# Consumer mailbox providers (free mail and the regional ISPs' customer domains): a shared
# domain here says nothing about the business. Subdomains (ns.sympatico.ca) count too.
FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "hotmail.com",
        "hotmail.ca",
        "hotmail.fr",
        "outlook.com",
        "outlook.fr",
        "live.com",
        "live.ca",
        "live.fr",
        "msn.com",
        "yahoo.com",
        "yahoo.ca",
        "yahoo.fr",
        "ymail.com",
        "rocketmail.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "protonmail.com",
        "proton.me",
        "pm.me",
        "gmx.com",
        "gmx.net",
        "mail.com",
        "zoho.com",
        "yandex.com",
        "fastmail.com",
        "hushmail.com",
        "tutanota.com",
        # Canadian and Atlantic consumer ISPs
        "eastlink.ca",
        "ns.sympatico.ca",
        "nb.sympatico.ca",
        "sympatico.ca",
        "bellaliant.net",
        "bellaliant.ca",
        "bell.net",
        "nl.rogers.com",
        "rogers.com",
        "shaw.ca",
        "telus.net",
        "videotron.ca",
        "videotron.qc.ca",
        "cogeco.ca",
        "globetrotter.net",
        "xplornet.com",
        "xplornet.ca",
        "nbnet.nb.ca",
        "personainternet.com",
        "sasktel.net",
        "mts.net",
        "tbaytel.net",
        "distributel.ca",
        "teksavvy.com",
        "aliant.net",
        "netcom.ca",
    }
)

CONTACT_COLUMNS: tuple[str, ...] = ("phone_e164", "email_std", "email_domain")

_EXTENSION = " *(?:,|;)? *(?:ext|extension|x|poste|p|#)[ .:#]*[0-9]{1,6} *$"
_NANP = "^(?:011)?1?(?P<nsn>[2-9][0-9]{9})$"


def _parse_foreign(value: str) -> str | None:
    try:
        number = phonenumbers.parse(value, "CA")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phones(uniques: pd.Series) -> pd.DataFrame:
    text = uniques.astype("string").str.lower().str.strip()
    text = text.str.replace(_EXTENSION, "", regex=True)
    foreign = text.str.contains("^ *(?:[+]|011)", regex=True) & ~text.str.contains(
        "^ *(?:[+] *1|011 *1)(?:[^0-9]|$)", regex=True
    )
    foreign = foreign | text.str.contains("[a-z]", regex=True)
    foreign = foreign.fillna(False).astype(bool)
    digits = text.str.replace("[^0-9]", "", regex=True)
    nsn = regex_extract(digits, _NANP)["nsn"].where(~foreign)

    present = nsn.notna().to_numpy(bool)
    valid = np.zeros(len(nsn), bool)
    valid[present] = valid_nanp(pa.array(nsn[present].to_numpy(object), pa.string()))
    e164 = ("+1" + nsn).where(valid)

    if foreign.any():
        fallback = {v: _parse_foreign(v) for v in uniques[foreign].dropna().unique()}
        e164 = e164.where(~foreign, uniques.map(fallback))
    return pd.DataFrame({"phone_e164": e164.astype("string")})


def standardise_phones(values: pd.Series) -> pd.Series:
    """E.164 ('+19025551234') for valid numbers, extension dropped; invalid -> <NA>."""
    return map_unique(values, _phones)["phone_e164"]


def _emails(uniques: pd.Series) -> pd.DataFrame:
    text = uniques.astype("string").str.strip().str.lower()
    text = text.str.replace("^mailto:", "", regex=True).str.strip("<> ")
    ok = text.str.fullmatch("[a-z0-9._%+'-]+@(?:[a-z0-9-]+[.])+[a-z]{2,}", na=False)
    email = text.where(ok.fillna(False).astype(bool))
    domain = regex_extract(email, "@(?P<domain>.+)$")["domain"]
    free = "|".join(d.replace(".", "[.]") for d in sorted(FREE_MAIL_DOMAINS))
    is_free = domain.str.contains(f"(?:^|[.])(?:{free})$", regex=True).fillna(False).astype(bool)
    return pd.DataFrame(
        {
            "email_std": email.astype("string"),
            "email_domain": domain.where(~is_free).astype("string"),
        }
    )


def standardise_emails(values: pd.Series) -> pd.DataFrame:
    """`email_std` (lower, stripped, syntactically plausible) and `email_domain`."""
    return map_unique(values, _emails)
