"""Page furniture that trafilatura keeps is dropped; the story's own lines stay."""

from __future__ import annotations

from pipeline.boilerplate import load_furniture

STORY = [
    "Workers who label data for AI companies in Nairobi said they earned less than $2 an hour.",
    "Read the full report on the union's website, the organisers said at the meeting.",
    "- Pay was withheld for weeks at a time, three workers said.",
    "- Tasks were rejected without explanation, according to the union.",
]


def test_furniture_dropped_story_kept() -> None:
    furniture = load_furniture()
    text = "\n".join([
        "Kenyan data labellers unionise",  # the headline, repeated in the text
        *STORY,
        "Sign up for our newsletter to get the week's labour stories in your inbox.",
        "Follow us on Twitter for more.",
        "12 comments",
        "Filed under: AI, Labour |",
        "You may also like",
        "- Another story about something else",
        "Short related headline",
    ])
    cleaned = furniture.clean(text, "Kenyan data labellers unionise | Example News")
    assert cleaned.splitlines() == STORY


def test_chinese_furniture() -> None:
    story = "数据标注员的时薪只有 1.5 美元，多名受访者表示。"
    text = "\n".join([story, "版权所有，未经授权不得转载。", "相关阅读", "某某新闻"])
    assert load_furniture().clean(text).splitlines() == [story]
