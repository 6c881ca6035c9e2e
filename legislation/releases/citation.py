"""How to cite a release: a sentence, BibTeX and CITATION.cff, naming the project, never a
person (editors and reviewers stay unnamed in everything public)."""

AUTHOR = "CSE law gap analysis project"
TITLE = "Child sexual exploitation laws: legislative gap analysis dataset"
LICENCE = "CC-BY-4.0"


def text(version, released_on, url=""):
    where = f" {url}" if url else ""
    return (
        f"{AUTHOR} ({released_on:%Y}). {TITLE} (version {version}) [Data set]. "
        f"Released {released_on.isoformat()}. Licence {LICENCE}.{where}"
    )


def _bibtex_escape(value):
    return "".join("\\" + c if c in "{}%&$#_" else c for c in value)


def bibtex(version, released_on, url=""):
    key = f"csem_gap_analysis_{version.replace('.', '_')}"
    lines = [
        f"@misc{{{key},",
        f"  author = {{{{{_bibtex_escape(AUTHOR)}}}}},",
        f"  title = {{{{{_bibtex_escape(TITLE)}}}}},",
        f"  version = {{{version}}},",
        f"  year = {{{released_on:%Y}}},",
        f"  date = {{{released_on.isoformat()}}},",
        "  howpublished = {Data set},",
        f"  note = {{Licence {LICENCE}}},",
    ]
    if url:
        lines.append(f"  url = {{{url}}},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _yaml_string(value):
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def cff(version, released_on, url=""):
    lines = [
        "cff-version: 1.2.0",
        'message: "If you use this data set, please cite it as below."',
        "type: dataset",
        f"title: {_yaml_string(TITLE)}",
        f"version: {_yaml_string(version)}",
        f"date-released: {released_on.isoformat()}",
        f"license: {LICENCE}",
        "authors:",
        f"  - name: {_yaml_string(AUTHOR)}",
    ]
    if url:
        lines.append(f"url: {_yaml_string(url)}")
    return "\n".join(lines) + "\n"
