"""The words of each language: every language says everything English says, with the same blanks."""

import string

import pytest

from microgrid import Value, explain
from microgrid.words import LANGUAGES, WORDS, check_lang, words


def blanks(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def walkthrough_tables():
    """Every walkthrough's TEXT table (each keeps its words beside its derivation)."""
    import importlib
    import pkgutil

    import microgrid.app.walkthrough
    import microgrid.app.walkthroughs as package

    tables = {"walkthrough": microgrid.app.walkthrough.TEXT}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if isinstance(getattr(module, "TEXT", None), dict):
            tables[info.name] = module.TEXT
    return tables


def test_every_walkthrough_speaks_every_language_with_the_same_blanks():
    tables = walkthrough_tables()
    assert len(tables) >= 5
    for name, table in tables.items():
        assert set(table) == set(LANGUAGES), name
        for lang in LANGUAGES[1:]:
            assert table[lang].keys() == table["en"].keys(), (name, lang)
            for key, text in table["en"].items():
                assert blanks(table[lang][key]) == blanks(text), (name, lang, key)


@pytest.mark.parametrize("lang", LANGUAGES[1:])
def test_every_language_has_every_english_word_with_the_same_blanks(lang):
    english = WORDS["en"]
    assert WORDS[lang].keys() == english.keys()
    for part, table in english.items():
        assert WORDS[lang][part].keys() == table.keys(), part
        for key, text in table.items():
            assert blanks(WORDS[lang][part][key]) == blanks(text), (part, key)
            assert WORDS[lang][part][key].strip(), (part, key)


def test_one_lang_check_names_the_choices():
    assert check_lang("zh") == "zh"
    for bad in ("fr", "EN", None):
        with pytest.raises(ValueError, match=r"lang must be one of en, zh, got"):
            words(bad, "explain")


def _walk(lang):
    from microgrid.app.walkthrough import walkthrough

    walkthrough(write=lambda _: None, lang=lang)


@pytest.mark.parametrize(
    "call", [lambda lang: explain(Value(2.0), Value(1.0)).format(lang=lang), _walk]
)
def test_callers_use_the_shared_check(call):
    with pytest.raises(ValueError, match="lang must be one of en, zh, got 'de'"):
        call("de")


def test_explain_counts_paths_in_each_language():
    x = Value(3.0, label="x")
    one, two = explain(x * 2.0, x), explain(x * x, x)
    assert "1 path from" in one.format(lang="en") and "2 paths from" in two.format(lang="en")
    assert "共 2 条路径" in two.format(lang="zh")
