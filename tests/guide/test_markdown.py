"""guide.markdown: the one reader of the guide's Markdown (fences, headings, parts, marks)."""

from __future__ import annotations

from textwrap import dedent

import pytest

from guide import markdown
from guide.markdown import ClaimMark, Heading

SECTION = dedent("""\
    # The title

    Intro. <!-- claim: before-any-h2 -->

    ## First

    Text of the first part.

    ```bash
    # a shell comment, not a heading
    ## nor this
    ```

    ### Deeper

    Still the first part. <!-- claim: in-deeper -->

    ## Second

    ~~~~text
    <!-- claim: in-code -->
    ```
    # still code: a ``` line does not close a ~~~~ fence
    ~~~~

    The end. <!-- claim: one --> and <!-- claim: two -->
    """)


def test_a_heading_inside_a_fence_is_not_a_heading():
    assert markdown.headings(SECTION) == [
        Heading(1, "The title", 1),
        Heading(2, "First", 5),
        Heading(3, "Deeper", 14),
        Heading(2, "Second", 18),
    ]


def test_a_fence_in_a_tab_or_admonition_hides_its_lines_too():
    text = '=== "Shell"\n\n    ```bash\n# at column 0, inside the fence\n    ```\n\n## After\n'
    assert markdown.headings(text) == [Heading(2, "After", 7)]


def test_heading_text_drops_a_closing_sequence_but_keeps_a_hash_in_a_word():
    text = "## Closed ##\n\n## C#\n\n#NoSpace\n\n####### seven\n"
    assert [heading.text for heading in markdown.headings(text)] == ["Closed", "C#"]


def test_the_title_is_the_first_h1_outside_code():
    assert markdown.title("```\n# code\n```\n\n# Real title\n\n# Another\n") == "Real title"
    assert markdown.title("## no title here\n") is None


def test_part_stops_at_a_same_level_heading_but_not_at_a_deeper_one():
    first = markdown.part(SECTION, "first")
    assert first.splitlines()[0] == "## First"
    assert "### Deeper" in first and "Still the first part." in first
    assert "# a shell comment, not a heading" in first  # code, not a heading: no stop there
    assert "## Second" not in first
    assert first == "\n".join(SECTION.splitlines()[4:17])


def test_part_stops_at_a_higher_heading_and_runs_to_the_end_without_one():
    deeper = markdown.part(SECTION, "Deeper")
    assert deeper == "### Deeper\n\nStill the first part. <!-- claim: in-deeper -->\n"
    assert markdown.part(SECTION, "Second").splitlines()[-1].startswith("The end.")
    assert markdown.part(SECTION, "the TITLE") == SECTION.rstrip("\n")


def test_part_matches_the_start_of_a_heading_in_any_case():
    text = "## What to remember\n\nThis.\n\n## What else\n"
    assert markdown.part(text, "WHAT TO") == "## What to remember\n\nThis.\n"
    assert markdown.part(text, "What") == "## What to remember\n\nThis.\n"  # the first one


def test_part_without_such_a_heading_is_a_key_error():
    with pytest.raises(KeyError, match="'Third'"):
        markdown.part(SECTION, "Third")
    with pytest.raises(KeyError):
        markdown.part(SECTION, "a shell comment")  # inside a fence


def test_claim_marks_are_found_with_the_heading_they_stand_under():
    title, first, deeper, second = markdown.headings(SECTION)
    assert markdown.claim_marks(SECTION) == [
        ClaimMark("before-any-h2", 3, title),
        ClaimMark("in-deeper", 16, deeper),
        ClaimMark("one", 26, second),
        ClaimMark("two", 26, second),
    ]


def test_a_claim_mark_before_any_heading_stands_under_none():
    assert markdown.claim_marks("<!-- claim: early -->\n# Title\n") == [ClaimMark("early", 1, None)]
    assert markdown.claim_marks("<!-- claim: Not-Lower -->\n<!-- claims: x -->\n") == []


def test_fences_indented_ones_included_with_info_language_and_attributes():
    text = dedent("""\
        === "Tab"

            ```python title="app.py" hl_lines="2 3"
            --8<-- "a.py"
            ```

        ```{ .bash }
        ls
        ```

        ````
        ```
        nested
        ```
        ````
        """)
    python, bash, four = markdown.fences(text)
    assert (python.line, python.indent, python.language) == (3, "    ", "python")
    assert python.body == ('    --8<-- "a.py"',)
    assert python.attributes == {"title": "app.py", "hl_lines": "2 3"}
    assert (bash.line, bash.end, bash.language, bash.body) == (7, 9, "bash", ("ls",))
    assert (four.marker, four.body) == ("````", ("```", "nested", "```"))
    assert markdown.Fence(1, "", "```", 'title="x.py"', ()).language == ""


def test_an_unclosed_fence_runs_to_the_end_and_inline_backticks_open_none():
    (fence,) = markdown.fences("text\n```python\nstill code\n## not a heading\n")
    assert (fence.closed, fence.body, fence.end) == (False, ("still code", "## not a heading"), 4)
    assert markdown.fences("```inline``` is code in a sentence\n") == []


def test_outside_fences_keeps_the_line_numbers():
    assert markdown.outside_fences("a\n```\ncode\n```\nb") == ["a", "", "", "", "b"]


def test_comments_go_except_in_code_and_a_comment_only_line_goes_whole():
    text = dedent("""\
        <!-- a whole line -->
        Visible <!-- inline --> text.
        <!-- claim: x --> Kept after a comment.
        <!--
        several lines
        -->
        ```html
        <!-- code -->
        ```
        """)
    assert markdown.without_comments(text) == dedent("""\
        Visible  text.
         Kept after a comment.
        ```html
        <!-- code -->
        ```
        """)


FOLDED = dedent(
    """\
    # Title

    ## Part

    Read first, four words.

    ??? deeper "In the demo app: the runs"

        Folded words are not read first.

        ```python
        code = "is never counted"
        ```

    After the fold. <!-- a comment is not read -->

    --8<-- "guide/examples/basic_add_task.py"
    """
)


def test_first_read_drops_each_deeper_part_and_keeps_the_rest():
    first = markdown.first_read(FOLDED)
    assert "Folded" not in first and "is never counted" not in first
    assert "Read first, four words." in first and "After the fold." in first


def test_words_count_prose_not_code_comments_or_includes():
    # Title, Part, Read first four words, After the fold: 2 + 4 + 3
    assert markdown.words(markdown.first_read(FOLDED)) == 9
    assert markdown.words("[the text](https://example.com/a-long/target)") == 2
