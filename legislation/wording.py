"""How counts and names read in English, written once for pages, files and messages.

"1 change", "3 changes"; "1 country", "2 countries"; "the Philippines' law", "Fiji's law".
"""

IRREGULAR = {
    "batch": "batches",
    "country": "countries",
    "criterion": "criteria",
    "proposal": "proposals",
}


def plural(word, count):
    if count == 1:
        return word
    return IRREGULAR.get(word, word + "s")


def counted(count, word):
    """ "1 change", "3 changes", "0 countries": the number and the noun in agreement."""
    return f"{count} {plural(word, count)}"


def possessive(name):
    """ "Fiji's", "Philippines'": a name ending in s takes the apostrophe alone."""
    return f"{name}’" if name.endswith("s") else f"{name}’s"
