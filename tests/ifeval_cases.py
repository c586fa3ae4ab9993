"""Hand-written IFEval cases: one instruction, its arguments, a response, and whether the response
follows it strictly and loosely. Each of the 25 instructions has a followed and a not-followed case;
loose-only cases show the eight loose variants at work."""

from __future__ import annotations

LOREM = "The quick brown fox jumps over the lazy dog while the sun sets slowly behind the hills."
ESSAY = " ".join([LOREM] * 10)  # 170 words, 10 sentences

# (instruction id, kwargs, response, followed strictly, followed loosely)
CASES: list[tuple[str, dict, str, bool, bool]] = [
    # keywords
    ("keywords:existence", {"keywords": ["fox", "Sun"]}, LOREM, True, True),
    ("keywords:existence", {"keywords": ["fox", "moon"]}, LOREM, False, False),
    ("keywords:frequency", {"keyword": "the", "frequency": 3, "relation": "at least"}, LOREM, True, True),
    ("keywords:frequency", {"keyword": "fox", "frequency": 1, "relation": "less than"}, LOREM, False, False),
    ("keywords:frequency", {"keyword": "fox", "frequency": 2, "relation": "less than"}, "No such animal.", True, True),
    ("keywords:forbidden_words", {"forbidden_words": ["cat", "moon"]}, LOREM, True, True),
    ("keywords:forbidden_words", {"forbidden_words": ["cat", "DOG"]}, LOREM, False, False),
    ("keywords:forbidden_words", {"forbidden_words": ["do"]}, LOREM, True, True),  # whole words only
    ("keywords:letter_frequency", {"letter": "o", "let_frequency": 5, "let_relation": "at least"}, LOREM, True, True),
    (
        "keywords:letter_frequency",
        {"letter": "Z", "let_frequency": 1, "let_relation": "less than"},
        LOREM,
        False,
        False,
    ),
    # a non-letter "letter" counts as itself
    (
        "keywords:letter_frequency",
        {"letter": "!", "let_frequency": 3, "let_relation": "at least"},
        "Wow! Yes! Go!",
        True,
        True,
    ),
    (
        "keywords:letter_frequency",
        {"letter": "#", "let_frequency": 2, "let_relation": "less than"},
        "#a #b",
        False,
        False,
    ),
    # language
    (
        "language:response_language",
        {"language": "fr"},
        "Bonjour, je m'appelle Marie et j'habite à Paris depuis dix ans.",
        True,
        True,
    ),
    ("language:response_language", {"language": "de"}, LOREM, False, False),
    ("language:response_language", {"language": "de"}, "12345 67890", True, True),  # nothing to detect: passes
    # length
    ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "less than"}, "One. Two.", True, True),
    (
        "length_constraints:number_sentences",
        {"num_sentences": 2, "relation": "less than"},
        "Dr. Who ran. He hid. Ok.",
        False,
        False,
    ),
    ("length_constraints:number_sentences", {"num_sentences": 10, "relation": "at least"}, ESSAY, True, True),
    ("length_constraints:number_words", {"num_words": 170, "relation": "at least"}, ESSAY, True, True),
    ("length_constraints:number_words", {"num_words": 170, "relation": "less than"}, ESSAY, False, False),
    ("length_constraints:number_words", {"num_words": 4, "relation": "less than"}, "well-known co_op", True, True),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "First part.\n***\nSecond part.", True, True),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "One.\n***\n***\nTwo.", False, False),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "***\nOne.\n***\nTwo.\n***", True, True),
    (
        "length_constraints:nth_paragraph_first_word",
        {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "then"},
        'First came the rain.\n\n"Then, the sun.',
        True,
        True,
    ),
    (
        "length_constraints:nth_paragraph_first_word",
        {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "then"},
        "First came the rain.\n\nAfter that, the sun.",
        False,
        False,
    ),
    (
        "length_constraints:nth_paragraph_first_word",
        {"num_paragraphs": 3, "nth_paragraph": 1, "first_word": "first"},
        "First.\n\nSecond.",
        False,
        False,
    ),
    # content
    ("detectable_content:number_placeholders", {"num_placeholders": 2}, "Dear [name], at [address].", True, True),
    ("detectable_content:number_placeholders", {"num_placeholders": 3}, "Dear [name], at [address].", False, False),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, "Hello.\n\np. s. see you", True, True),
    ("detectable_content:postscript", {"postscript_marker": "P.P.S"}, "Hello.\n\nP.S. see you", False, False),
    ("detectable_content:postscript", {"postscript_marker": "Note:"}, "Hello.\nNOTE: bring a coat", True, True),
    # format
    ("detectable_format:number_bullet_lists", {"num_bullets": 3}, "List:\n* one\n* two\n- three", True, True),
    (
        "detectable_format:number_bullet_lists",
        {"num_bullets": 4},
        "* one\n* two\n**bold** line\n  * three",
        False,
        False,
    ),
    ("detectable_format:constrained_response", {}, "Well. My answer is maybe.", True, True),
    ("detectable_format:constrained_response", {}, "My answer is perhaps.", False, False),
    (
        "detectable_format:number_highlighted_sections",
        {"num_highlights": 2},
        "A *first* and **second** part",
        True,
        True,
    ),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2}, "A *first* and * * part", False, False),
    (
        "detectable_format:multiple_sections",
        {"section_spliter": "SECTION", "num_sections": 2},
        "SECTION 1\na\nSECTION 2\nb",
        True,
        True,
    ),
    (
        "detectable_format:multiple_sections",
        {"section_spliter": "Section", "num_sections": 3},
        "Section 1\na\nSection 2\nb",
        False,
        False,
    ),
    ("detectable_format:json_format", {}, '```json\n{"a": [1, 2]}\n```', True, True),
    ("detectable_format:json_format", {}, 'Here it is: {"a": 1}', False, False),
    ("detectable_format:title", {}, "<<A Poem of Joy>>\nRoses bloom.", True, True),
    ("detectable_format:title", {}, "<< >>\nRoses bloom.", False, False),
    # combination
    ("combination:two_responses", {}, "Answer one.\n******\nAnswer two.", True, True),
    ("combination:two_responses", {}, "Same.\n******\nSame.", False, False),
    ("combination:two_responses", {}, "One.\n******\n\n******\nTwo.", False, False),
    ("combination:repeat_prompt", {"prompt_to_repeat": "Write a poem."}, "write a POEM. Roses are red.", True, True),
    (
        "combination:repeat_prompt",
        {"prompt_to_repeat": "Write a poem."},
        "Sure!\nWrite a poem. Roses are red.",
        False,
        True,
    ),
    # start/end
    ("startend:end_checker", {"end_phrase": "Any other questions?"}, 'That is all. "any other questions?"', True, True),
    ("startend:end_checker", {"end_phrase": "Any other questions?"}, "Any other questions? Bye.", False, False),
    ("startend:quotation", {}, '  "Wrapped in quotes."  ', True, True),
    ("startend:quotation", {}, '"', False, False),
    # case
    (
        "change_case:capital_word_frequency",
        {"capital_frequency": 2, "capital_relation": "at least"},
        "The NASA and ESA teams.",
        True,
        True,
    ),
    (
        "change_case:capital_word_frequency",
        {"capital_frequency": 2, "capital_relation": "less than"},
        "The NASA and ESA teams.",
        False,
        False,
    ),
    ("change_case:english_capital", {}, "THIS IS A SHOUTED ENGLISH SENTENCE ABOUT THE WEATHER TODAY.", True, True),
    ("change_case:english_capital", {}, "THIS IS Almost ALL CAPITALS.", False, False),
    ("change_case:english_lowercase", {}, "this is a quiet english sentence about the weather today.", True, True),
    ("change_case:english_lowercase", {}, "ceci est une phrase en français sur la météo du jour.", False, False),
    # punctuation
    ("punctuation:no_comma", {}, "No commas here.", True, True),
    ("punctuation:no_comma", {}, "Yes, one.", False, False),
    # loose variants: an opening line, a closing line, and markdown stars
    ("startend:quotation", {}, 'Sure, here it is:\n"Wrapped in quotes."', False, True),
    (
        "startend:end_checker",
        {"end_phrase": "Is there anything else I can help with?"},
        "Done. Is there anything else I can help with?\nCheers!",
        False,
        True,
    ),
    ("detectable_format:title", {}, "Intro\n<<Title>>\nOutro", True, True),
    ("punctuation:no_comma", {}, "Hello, friend!\nNo commas below.\nReally none.", False, True),
    (
        "change_case:english_lowercase",
        {},
        "Here you go:\nthis is all lowercase english text about the weather.",
        False,
        True,
    ),
    (
        "change_case:english_lowercase",
        {},
        "Here You Go:\nthis is all lowercase english text about the weather.\nBye Now",
        False,
        True,
    ),
    ("detectable_format:json_format", {}, '**Output**\n{"a": 1}', False, True),
    (
        "length_constraints:number_words",
        {"num_words": 3, "relation": "less than"},
        "Sure thing friend\nyes\nBye now",
        False,
        True,
    ),
    ("detectable_format:number_bullet_lists", {"num_bullets": 1}, "* one\n* two", False, True),
    ("startend:quotation", {}, '**"Bold quote"**', False, True),
    # an empty answer follows nothing, however it is varied
    ("punctuation:no_comma", {}, "   \n  ", False, False),
]
