"""Word lists and regular-expression pieces shared by the rules."""

from __future__ import annotations


def split_words(text: str) -> list[str]:
    """The words of a literal, so long word lists read as prose."""
    return text.split()


# Month names and abbreviations; "May" only capitalised, so "may be" is not a month.
MONTH = (
    r"(?:(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)|May|MAY)\.?"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_SEP = r"\s?[/.\-]\s?"

# Every common way of writing a day with its month (with or without a year). A year alone is
# not an identifier under Safe Harbor, so it is not a date here.
DATE = (
    r"(?:"
    rf"\d{{1,2}}{_SEP}\d{{1,2}}{_SEP}(?:\d{{4}}|\d{{2}})(?!\d)"  # 03/14/1961, 14.03.61
    rf"|{_YEAR}{_SEP}\d{{1,2}}{_SEP}\d{{1,2}}(?!\d)"  # 1961-03-14, 1972.11.05
    rf"|{_YEAR}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)"  # 19721105
    rf"|(?:the\s+)?{_DAY}{_ORD}(?:\s+of)?[\s\-]?{MONTH}(?:,?[\s\-]?(?:{_YEAR}|'?\d\d)(?!\d))?"
    rf"|{MONTH}\s?{_DAY}{_ORD}(?:,?\s+{_YEAR}|\s'\d\d)?(?![\d:])"  # March 14, 1961 / Nov 5
    rf"|{MONTH}\s+{_YEAR}"  # June 1958
    rf"|{_DAY}(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec){_YEAR}"  # 14MAR1961
    r")"
)

# Street suffixes; the short ones are checked for case separately ("ST depression" is not one).
STREET_WORDS = (
    "street|road|avenue|lane|drive|boulevard|court|crescent|terrace|gardens|place|square|"
    "close|way|parkway|highway|circle|grove|mews|row|walk|loop|hill|green|view|rise|"
    "wharf|quay|parade|esplanade|alley|trail|plaza"
)
# Suffixes that are everyday words too ("15, creatinine rise", "2 close contacts"): a street
# only when written as a name, in capitals.
AMBIGUOUS_STREET_WORDS = frozenset(
    split_words("close way place court circle square grove mews row walk loop hill green view rise")
    + split_words("trail plaza parade quay")
)
STREET_ABBREVIATIONS = "st|rd|ave|av|ln|dr|blvd|ct|pl|sq|hwy|pkwy|cir|terr|cres|gdns"
STREET_PREFIXES = r"rue|avenue\s+de|calle|via|avenida|rua|boulevard|chemin|strada|platz"

# Words that can sit between a number and a street suffix without it being an address.
UNITS = frozenset(
    split_words(
        "mm cm m km mg g kg mcg ug ml l dl mmol mol mmhg h hr hrs hour hours min mins minute "
        "minutes "
        "sec s day days week weeks wk wks month months year years yr yrs am pm units unit iu x of "
        "the a an and or to in on at for with per by from times fr ga gauge bpm degree degrees "
        "percent lead leads beds bed patients doses tablets puffs drops"
    )
)

# Capitalised words that follow a name cue but are not names.
NOT_NAMES = frozenset(
    split_words(
        """
    a an the and or but not no yes i im me my we our you your he she it they this that these
    his her their its is am are was were be been being has have had do does did will would
    can could should may might must shall here there what which who whom when where why how
    all any some every each few many much more most other such only own same so than too very
    just also now then again still well ok okay sure please thanks thank hello hi hey dear
    doctor doc dr nurse sir madam team everyone all patient patients pt client subject re
    male female man woman boy girl baby child mother father mum mom dad son daughter wife
    husband brother sister parent carer alert oriented awake asleep stable unwell well fine
    worried concerned diabetic pregnant allergic asthmatic writing calling asking going
    trying looking feeling having getting taking seeing here at in on of for from with about
    after before since until into onto over under again referral referred reply regarding
    urgent routine follow followup review results result history notes note summary letter
    your yours his hers ours theirs name age sex dob address phone email ward bed room unit
    monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday
    january february march april may june july august september october november december
    amoxicillin metformin insulin aspirin warfarin
    user assistant system bot tool model human ai agent clinician physician unknown anonymous
    redacted none null
    """
    )
)

# Hosts of reference sources: links to them are citations, not a person's web address.
REFERENCE_HOSTS = (
    "nice.org.uk",
    "nhs.uk",
    "gov.uk",
    ".gov",
    "who.int",
    "doi.org",
    "nih.gov",
    "europa.eu",
    "mdcalc.com",
    "uptodate.com",
    "bmj.com",
    "nejm.org",
    "thelancet.com",
    "jamanetwork.com",
    "ahajournals.org",
    "escardio.org",
    "acc.org",
    "heart.org",
    "cochranelibrary.com",
    "medicines.org.uk",
    "bnf.nice.org.uk",
    "sign.ac.uk",
    "rcog.org.uk",
    "resus.org.uk",
    "idsociety.org",
    "kdigo.org",
    "goldcopd.org",
    "ginasthma.org",
    "diabetes.org",
    "diabetesjournals.org",
    "clinicaltrials.gov",
    "wikipedia.org",
    "medlineplus.gov",
    "cdc.gov",
    "fda.gov",
)
