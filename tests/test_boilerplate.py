"""Page furniture that trafilatura keeps is dropped; the story's own lines stay."""

from __future__ import annotations

from pipeline.boilerplate import load_furniture
from pipeline.extract import extract_html

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
        "Have a tip? Tell us.",
        "Jane Doe may be reached at jdoe@example.org. Follow her on Twitter @jdoe.",
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


def test_a_hover_card_does_not_run_into_the_sentence() -> None:
    """The Hill wraps a name in a card of that person's latest stories, hidden until hovered;
    read as text, it ran into the sentence ("Ilhan OmarIlhan OmarHillicon Valley: ...")."""
    card = ('<span class="rollover-people"><a href="/people/ilhan-omar">Ilhan Omar</a>'
            '<span class="rollover-people-block"><span>Ilhan Omar</span>'
            '<span>Hillicon Valley: Progressives oppose funding bill</span></span></span>')
    sentence = ("A man pleaded guilty to threatening Rep. " + card +
                " (D-Minn.), who said content moderators at platforms had ignored the threats.")
    page = ("<html><head><title>Threats</title></head><body><article><h1>Threats</h1>"
            f"<p>{sentence}</p><p>{STORY[0]}</p><p>{STORY[1]}</p></article></body></html>")
    text = extract_html(page.encode()).text
    assert "Rep. Ilhan Omar (D-Minn.), who said" in text
    assert "Hillicon" not in text
