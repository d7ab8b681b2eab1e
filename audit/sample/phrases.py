"""Every sentence the generator writes comes from these pools: recording texts in the
words practitioners use, and the placeholders RULES.md calls "not meaningful text".

Pools are tuples because a draw picks by position; a repeated entry is drawn more often.
"""

from __future__ import annotations

# Placeholders and too-short entries: exactly what RULES.md calls "not meaningful text".
VIEWS_MISSING = (None, "see above", "n/a", "no views", "as before", "see previous", "Too young")
IDENTITY_MISSING = (None, "n/a", "see above", "as before", "tbc", "Not discussed", "none")
INFLUENCE_MISSING = (None, "n/a", "none", "see plan", "as above", "tbc")
COMPONENT_MISSING = (None, None, "n/a", "none", "see case notes", "Not discussed", "-")
REASON_MISSING = (None, None, "n/a", "see case notes", "-", "Child refused", "Not possible")

VIEWS_OPENERS = (
    "When we met on {d}, {p} said: ",
    "On {d} {p} told me: ",
    "At the visit on {d}, {p} said: ",
    "Seen at school on {d}; {p} said: ",
)
VIEWS_PREVERBAL = (
    "Observed on {d}: smiled and babbled when the carer came back into the room.",
    "Observed on {d}: settled quickly after feeds and reached for the carer for comfort.",
    "Observed on {d}: played happily with stacking cups and looked to mum when unsure.",
    "Observed on {d}: was unsettled during the visit and calmed when held by the carer.",
)
VIEWS_CHILD = (
    '"I like my school and my teacher is kind."',
    '"I want to see my dad more often."',
    '"I miss my brother and want more time with him."',
    '"I don\'t like it when the grown-ups shout at home."',
    '"I feel safe at home now."',
    '"I want to keep going to football club on Saturdays."',
    '"I like living here but I miss my old friends."',
    '"I want my mum to get better so I can go home."',
    '"Contact is too short and I want it to be longer."',
    '"I want to stay at the same school."',
)
VIEWS_TEEN = (
    '"I want to stay here until I finish college."',
    '"I don\'t want contact with my dad right now."',
    '"I want help with my anxiety but not at school."',
    '"I want to move closer to my friends."',
    '"I want more independence and my own phone."',
    '"I want to learn to cook before I move out."',
    '"I am happier since the move and want it to stay that way."',
    '"I want a say in who comes to my review."',
)
VIEWS_LEAVER = (
    '"I want help finding a flat near my college."',
    '"I need support with budgeting and paying bills."',
    '"I want to finish my apprenticeship."',
    '"I want to stay in touch with my old foster carers."',
    '"I am worried about money when my allowance stops."',
)
INFLUENCE = (
    "Sibling contact increased to fortnightly in response to the child's request.",
    "The wish to stay at the same school was agreed and transport has been arranged.",
    "Contact with dad paused at the young person's request; to be reviewed in three months.",
    "Worries about shouting at home led to a referral for parenting support.",
    "Football club added to the plan and funded, as the child asked.",
    "The young person asked for a female worker and the case was reallocated.",
    "Independence work added to the plan: cooking sessions with the carer every week.",
    "Housing application made for a flat near college, as the young person asked.",
    "The child asked for longer contact; sessions extended to two hours.",
    "Counselling offered at a community venue rather than school, as requested.",
)
IDENTITY_SUPPORT = (
    "is celebrated at home and in the placement",
    "is discussed at each visit and reflected in the plan",
    "is supported through contact with extended family",
    "is supported through a local community group the family chose",
)
SEEN_ALONE_COMMENTARY = (
    "Spoke with the child alone in the bedroom; talked about school and friends.",
    "Saw the child alone in the garden; said things at home are calmer.",
    "Time alone with the child at school; completed a three houses worksheet together.",
    "Spoke alone in the car on the way to contact; child was chatty and relaxed.",
    "Seen alone in the lounge while carer made tea; child showed me their room.",
    "Alone time in the park; young person talked about college and worries about money.",
)
FREE_TEXT_REASONS = (
    "Child wanted the foster carer to stay in the room",
    "Visit took place at the contact centre with mum present",
    "Young person asked for the youth worker to stay with them",
    "Child was unwell in bed and the carer stayed with us",
    "Interpreter and parent present throughout the visit",
)
NOT_SEEN_COMMENTARY = (
    "No answer at the door; card left and visit rearranged.",
    "Child was at nursery; parent seen at home.",
    "Young person not at home; carer says out with friends.",
)
UNCLEAR_COMMENTARY = (
    "Visit completed; child presented well.",
    "Home conditions adequate. Plan discussed with parent.",
    None,
)
OTHER_VISIT_TYPES = (
    "phone contact",
    "office appointment",
    "direct work session",
    "non-statutory home visit",
    None,
)
CASE_DISCUSSION = (
    "Discussed progress against the plan and the outcome of the last core group.",
    "Caseload discussed: two new allocations and one case ready for step-down.",
    "Discussed the child's progress at school and the latest contact arrangements.",
    "Reviewed the chronology and the risks identified at the last strategy meeting.",
)
CASE_REFLECTION = (
    "Reflected on why engagement drops after contact; hypothesis is that mum feels judged.",
    "Analysis: the child's behaviour at school looks like worry about home, not defiance.",
    "Considered what the child's silence in visits may be telling us about the placement.",
    "Weighed the evidence for and against step-down; protective factors are now stronger.",
)
WORKER_REFLECTION = (
    "Worker reflected on the emotional impact of the court hearing; wellbeing checked.",
    "Worker shared feeling stretched by travel time; workload agreed as manageable.",
    "Worker reflected on their own practice in the difficult visit and what to try next.",
    "Discussed the worker's training plan and the support they want from the team.",
)
ACTIONS = (
    "Actions: update the chronology within 5 working days (worker); book the review (manager).",
    "Actions: arrange a family network meeting by the end of the month (worker).",
    "Actions: refer for parenting support this week; manager to authorise funding.",
    "Actions: complete direct work on wishes and feelings before the next review (worker).",
)
EVENT_DESCRIPTIONS = {
    "placement_change": (
        "Moved to a new foster placement after the previous carers gave notice.",
        "Planned move to a residential placement closer to school.",
        "Moved to supported accommodation.",
    ),
    "return_home": (
        "Returned home to mother under a care order.",
        "Returned to live with father following the review.",
    ),
    "household_change": (
        "Mother's new partner has moved into the household.",
        "Older sibling has moved back into the family home.",
        "Family moved to a new address in the borough.",
    ),
    "legal_status_change": (
        "Interim care order granted.",
        "Care order made at the final hearing.",
        "Section 20 accommodation ended; care order granted.",
    ),
    "plan_type_change": (
        "Child protection plan ended; stepped down to a child in need plan.",
        "Stepped up to a child protection plan after the initial conference.",
    ),
    "other": (
        "Change of school.",
        "Started a new after-school club.",
        "New GP registration.",
    ),
}
REVIEW_VIEWS = (
    "Wants to stay with the current carers and see siblings more often.",
    "Asked for contact with mum to move to weekends.",
    "Happy at school; would like help with reading.",
    "Wants the plan to say when contact with dad will restart.",
    "Told the reviewing officer that the placement feels like home.",
)
PRE_VERBAL_REVIEW = "Too young to give views; observed to be settled and happy with carers."


# Words for a child's heritage in identity notes, by ethnicity code.
HERITAGE = {
    "WBRI": "White British",
    "WIRI": "Irish",
    "WIRT": "Irish Traveller",
    "WOTH": "Eastern European",
    "WROM": "Roma",
    "MWBC": "White and Black Caribbean",
    "MWBA": "White and Black African",
    "MWAS": "White and Asian",
    "MOTH": "mixed",
    "AIND": "Indian",
    "APKN": "Pakistani",
    "ABAN": "Bangladeshi",
    "AOTH": "Asian",
    "BCRB": "Caribbean",
    "BAFR": "African",
    "BOTH": "Black British",
    "CHNE": "Chinese",
    "OOTH": "family",
}
# Names of the language codes that identity notes spell out.
LANGUAGE_NAMES = {
    "POL": "Polish",
    "SOM": "Somali",
    "URD": "Urdu",
    "PAN": "Punjabi",
    "ARA": "Arabic",
    "BSL": "British Sign Language",
    "RUM": "Romanian",
    "TIR": "Tigrinya",
    "BEN": "Bengali",
}
