"""Text from the data is shown as the words it is."""

from elt_project.hub.text import literal_markdown


def test_markdown_in_data_values_is_escaped_not_rendered():
    from markdown_it import MarkdownIt

    hostile = "West × Online [click me](http://example.com) **bold** `code` # 1,234.50 $x$ :smile:"
    html = MarkdownIt().render(literal_markdown(hostile))
    assert "<a " not in html and "<strong>" not in html and "<code>" not in html and "<h1>" not in html
    assert html.strip() == f"<p>{hostile}</p>"
