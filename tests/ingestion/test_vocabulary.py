"""The partnership's vocabulary (ingestion/vocabulary.py): a name is kept only when every word of
it is known — an allow-list, with the identifier detector as a second line."""

from __future__ import annotations

import pytest

from ingestion import vocabulary


@pytest.mark.parametrize(
    "name",
    [
        "reviews_FY2024_final_v2",
        "ReviewsExport_2024Q3",
        "IOs 2024",
        "tasc_responses 2024-1 (copy)",
        "Sheet1",
        "Read me",
        "child_race_ethnicity",
        "Child Name",  # a column the firewall drops is named by what kind of field it is
        "Sudden unexpected infant death",  # words of a code's label
        "OH-FRANKLIN workforce",  # a registered jurisdiction
        "CSV UTF-8",
    ],
)
def test_names_made_of_known_words_are_kept(name):
    assert vocabulary.name_is_safe(name)


@pytest.mark.parametrize(
    "name",
    [
        "van der Zwaluw",
        "Quennell family",
        "reviews okafor",
        "DwyerReviews",
        "Maria",  # a given name alone
        "Worthington notes",
        "ragged",  # an ordinary English word, but not one the vocabulary lists
        "",
    ],
)
def test_names_with_any_unknown_word_are_not(name):
    assert not vocabulary.name_is_safe(name)


def test_the_detector_is_a_second_line_over_known_words():
    # every word is known ("case", "no", digits), but the detector sees a case number
    assert vocabulary.is_known("Case No 2023-7741203")
    assert not vocabulary.name_is_safe("Case No 2023-7741203")
    assert not vocabulary.file_stem_is_safe("Case No. 2023-7741203 summary.csv")


def test_a_members_layout_declares_its_own_words(tmp_path, monkeypatch):
    from ingestion import layouts

    (tmp_path / "CT.yml").write_text(
        "reviews:\n  columns:\n    BERICHT_NR: review_id\n  sheet: Quartalsdaten\n"
    )
    monkeypatch.setattr(layouts, "LAYOUTS_DIR", tmp_path)
    assert vocabulary.name_is_safe("Quartalsdaten 2024", "CT")
    assert vocabulary.name_is_safe("BERICHT_NR", "CT")
    assert not vocabulary.name_is_safe("Quartalsdaten 2024", "ME")  # another member's words
    assert not vocabulary.name_is_safe("Quartalsdaten 2024")


def test_shown_name_gives_the_products_label_otherwise():
    assert vocabulary.shown_name("child_sex", "column 8") == "child_sex"
    assert vocabulary.shown_name("Quennell notes", "column 14") == "column 14"


@pytest.mark.parametrize(
    "message, kept, withheld",
    [
        (
            "the workbook has no sheet named 'Data'; its sheets are 'Okafor', 'Sheet1'",
            ["'Data'", "'Sheet1'"],
            ["Okafor"],
        ),
        ("column 3 is named 'Quennell Dwyer' twice", ["column 3"], ["Quennell", "Dwyer"]),
        ("the file is UTF-16 text; save it as 'CSV UTF-8'", ["'CSV UTF-8'"], []),
        ('the mapping\'s delimiter "|;" is not a single character', ['"|;"'], []),
    ],
)
def test_a_message_keeps_only_the_quoted_names_it_may(message, kept, withheld):
    scrubbed = vocabulary.scrub_message(message)
    for part in kept:
        assert part in scrubbed, scrubbed
    for part in withheld:
        assert part not in scrubbed, scrubbed
    if withheld:
        assert "[a name withheld]" in scrubbed
