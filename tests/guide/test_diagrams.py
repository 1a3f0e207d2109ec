"""guide.diagrams: a mermaid sequence diagram drawn in text, checked by where things stand."""

from __future__ import annotations

import re
from textwrap import dedent

import pytest

from guide import diagrams

FIXTURE = dedent("""\
    sequenceDiagram
        participant C as Client
        participant A as App
        participant W as Worker
        C->>A: POST /register
        A->>A: save the user
        A-->>C: 201 Created
        Note over C: the client is done
        loop every second
            W->>A: any work?
        end
        Note over A,W: both share the database
    """)


def lifelines(lines: list[str]) -> list[int]:
    """The lifelines' columns: where the boxes' bottoms have their `┬`."""
    bottom = next(line for line in lines if "┬" in line)
    return [column for column, char in enumerate(bottom) if char == "┬"]


def row_of(lines: list[str], text: str) -> int:
    return next(number for number, line in enumerate(lines) if text in line)


def test_participants_are_boxes_over_their_lifelines_in_order():
    lines = diagrams.draw(FIXTURE, width=100)
    names = lines[1]
    assert [names.index(f"│ {name} │") for name in ("Client", "App", "Worker")] == sorted(
        names.index(f"│ {name} │") for name in ("Client", "App", "Worker")
    )
    columns = lifelines(lines)
    assert len(columns) == 3
    for column, name in zip(columns, ("Client", "App", "Worker"), strict=True):
        box = names[names.rindex("│", 0, names.index(name)) : names.index("│", names.index(name))]
        assert name in box
        assert names.rindex("│", 0, column) < column < names.index("│", column + 1)
    # the last line is the lifelines alone
    assert [c for c, char in enumerate(lines[-1]) if char == "│"] == columns


def test_a_message_is_an_arrow_between_the_two_lifelines_with_its_label_above():
    lines = diagrams.draw(FIXTURE, width=100)
    client, app, _ = lifelines(lines)
    label = row_of(lines, "POST /register")
    arrow = lines[label + 1]
    assert arrow[client] == "│" and arrow[app] == "│"
    assert set(arrow[client + 1 : app - 1]) == {"─"} and arrow[app - 1] == "▶"
    start = lines[label].index("POST /register")
    assert client < start and start + len("POST /register") < app


def test_a_reply_is_dashed_and_points_back():
    lines = diagrams.draw(FIXTURE, width=100)
    client, app, _ = lifelines(lines)
    arrow = lines[row_of(lines, "201 Created") + 1]
    assert arrow[client + 1] == "◀" and set(arrow[client + 2 : app]) == {"╌"}


def test_a_message_to_itself_is_a_loop_with_its_label_beside_it():
    lines = diagrams.draw(FIXTURE, width=100)
    _, app, _ = lifelines(lines)
    row = row_of(lines, "save the user")
    assert lines[row][app : app + 4] == "│──┐"
    assert lines[row + 1][app : app + 4] == "│◀─┘"


def test_notes_are_boxes_over_the_lifelines_they_name():
    lines = diagrams.draw(FIXTURE, width=100)
    client, app, worker = lifelines(lines)
    row = row_of(lines, "the client is done")
    left, right = lines[row].index("│"), lines[row].index("│", lines[row].index("the client"))
    assert left < client < right
    row = row_of(lines, "both share the database")
    left = lines[row].rindex("│", 0, lines[row].index("both"))
    right = lines[row].index("│", lines[row].index("database"))
    assert left < app and worker < right
    assert lines[row - 1][left] == "┌" and lines[row + 1][right] == "┘"


def test_a_loop_is_a_labelled_line_across_the_diagram_until_its_end():
    lines = diagrams.draw(FIXTURE, width=100)
    columns = lifelines(lines)
    top, message = row_of(lines, "loop every second"), row_of(lines, "any work?")
    bottom = next(n for n in range(message, len(lines)) if lines[n].startswith("└"))
    assert top < message < bottom
    assert lines[top].startswith("┌─ loop every second") and lines[top].endswith("┐")
    assert [lines[bottom][column] for column in columns] == ["┼"] * 3
    assert lines[bottom].endswith("┘")


def test_autonumber_numbers_the_messages():
    source = "sequenceDiagram\n    autonumber\n    A->>B: first\n    B->>A: second\n"
    text = "\n".join(diagrams.draw(source))
    assert "1. first" in text and "2. second" in text


def test_br_in_a_label_is_a_line_break():
    lines = diagrams.draw("sequenceDiagram\n    A->>B: one<br/>two\n")
    assert row_of(lines, "two") == row_of(lines, "one") + 1


LONG = "save the user, add_task(send_welcome_email), add_task(log_user_action) and more"
LONG_SOURCE = f"sequenceDiagram\n    A->>B: {LONG}\n    B->>B: {LONG}\n    Note over A: {LONG}\n"


@pytest.mark.parametrize("width", [100, 90])
def test_long_labels_wrap_at_spaces_to_fit_the_width(width):
    lines = diagrams.draw(LONG_SOURCE, width=width)
    assert max(len(line) for line in lines) <= width
    assert sum(len(line) > width - 10 for line in lines) >= 1  # it used the room it had
    words = re.findall(r"[\w(),]+", " ".join(lines))
    for word in LONG.split():
        assert words.count(word) >= 3, word  # the message, the loop and the note


@pytest.mark.parametrize("width", [80, 60])
def test_too_narrow_for_the_words_it_breaks_them_and_loses_no_character(width):
    lines = diagrams.draw(LONG_SOURCE, width=width)
    assert max(len(line) for line in lines) <= width
    loop_end = row_of(lines, "◀─┘")
    top = next(n for n in range(loop_end, len(lines)) if lines[n].lstrip().startswith("┌"))
    bottom = next(n for n in range(top, len(lines)) if lines[n].lstrip().startswith("└"))
    note = "".join(line.split("│")[1] for line in lines[top + 1 : bottom]).replace(" ", "")
    assert note == LONG.replace(" ", "")


def test_a_short_diagram_is_not_wrapped():
    lines = diagrams.draw("sequenceDiagram\n    Client->>App: POST /api/v1/auth/register\n")
    assert any("POST /api/v1/auth/register" in line for line in lines)


@pytest.mark.parametrize(
    "source",
    [
        "flowchart LR\n    A --> B\n",
        "sequenceDiagram\n    what is this\n",
        "sequenceDiagram\n  end\n",
    ],
    ids=["flowchart", "unknown line", "stray end"],
)
def test_what_it_cannot_draw_is_an_error(source):
    with pytest.raises(diagrams.DiagramError):
        diagrams.parse(source)
