"""Upheal "Get session data": a therapy session per id, with a transcript and analytics derived from it.

The transcript is built turn by turn on one clock, so word timings sit inside their utterances and
utterances never overlap; the analytics (talking ratio, cadence, response time, sentiment, tense) are then
counted from that transcript, and the named entities are the ones its sentences mention.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from string import ascii_uppercase
from typing import Any

from contractgate.mock.common import Credentials, Reply, VendorApi, same_secret
from contractgate.mock.ids import UUID, is_unknown, new_uuid, pick, rng_for

IN_PROGRESS, PROCESSING, DONE, ERROR = "InProgress", "Processing", "Done", "Error"
_STATE_WEIGHTS = {IN_PROGRESS: 10, PROCESSING: 15, DONE: 65, ERROR: 10}
ERRORS = {  # error-codes page (vendor notes); the first message is the document's own
    "low-content-transcript": "We're sorry, we couldn't interpret enough audio to generate notes. This can happen "
                              "when the audio quality is too low, because of a technical issue, or if the recording "
                              "is too short.",
    "file-conversion-failed": "We're sorry, we couldn't process the recording. The file may be damaged or in a "
                              "format we don't support.",
}

# (sentence, sentiment +/0/-, tense). {person}, {place}, {org} and {condition} name an entity of the session.
_CLIENT_LINES = (
    ("I had a really rough week at work.", "-", "past"),
    ("My sister {person} called me on Sunday and we argued again.", "-", "past"),
    ("I finally slept through the night a couple of times.", "+", "past"),
    ("I keep worrying that I'm going to mess up the presentation.", "-", "future"),
    ("I think I'm doing a bit better than last time.", "+", "present"),
    ("Honestly I don't know why I feel so tired all the time.", "-", "present"),
    ("We went to {place} for the weekend and it was nice to get away.", "+", "past"),
    ("I'm going to try the breathing exercise before bed.", "+", "future"),
    ("My manager at {org} wants me to take on another project.", "0", "present"),
    ("The {condition} has been worse since the move.", "-", "present"),
    ("I will talk to {person} about it this weekend.", "0", "future"),
    ("It felt good to say no for once.", "+", "past"),
    ("Sometimes I just shut down when people raise their voice.", "-", "present"),
    ("I wrote in the journal almost every day.", "+", "past"),
    ("I'm not sure it's helping yet.", "0", "present"),
    ("Next week I'm going to see my doctor about the {condition}.", "0", "future"),
    ("I was so anxious before the meeting that I couldn't eat.", "-", "past"),
    ("Yeah, that makes sense.", "0", "present"),
    ("I guess I'm scared of disappointing everyone.", "-", "present"),
    ("We had dinner together and nobody fought, which was new.", "+", "past"),
)
_PROVIDER_LINES = (
    ("How have things been since we last met?", "0", "present"),
    ("What was that like for you?", "0", "past"),
    ("It sounds like that week took a lot out of you.", "0", "past"),
    ("Let's slow down and notice what comes up in your body right now.", "0", "present"),
    ("That's a real step forward, and I want to acknowledge it.", "+", "present"),
    ("What would you like to be different by the next session?", "0", "future"),
    ("When you say you shut down, what happens first?", "0", "present"),
    ("I'm hearing a lot of pressure to keep everyone happy.", "0", "present"),
    ("Can we try the grounding exercise together?", "0", "present"),
    ("You handled that conversation with {person} with a lot of care.", "+", "past"),
    ("Let's plan one small thing you will do for yourself this week.", "+", "future"),
    ("How did you sleep after we talked about the routine?", "0", "past"),
    ("Mm-hmm.", "0", "present"),
    ("Tell me more about that.", "0", "present"),
    ("It makes sense that you would feel that way.", "0", "present"),
)
_ENTITIES = {
    "person": ("person_name", ("Maria", "Tom", "Aisha", "Daniel", "Grace", "Luis")),
    "place": ("location", ("Lisbon", "Denver", "the lake house", "Chicago")),
    "org": ("organisation", ("Northwind Logistics", "Riverside Hospital", "the school board")),
    "condition": ("medical_condition", ("insomnia", "migraines", "back pain", "panic attacks")),
}
_ENTITY_SUMMARIES = {
    "person_name": "{name} is close to the client and came up in connection with a recent conflict.",
    "location": "{name} is a place the client mentioned when talking about time away from daily stress.",
    "organisation": "{name} is the client's workplace, a recurring source of pressure.",
    "medical_condition": "The client reports {name}, which affects their sleep and mood.",
}
_TOPICS = (
    ("Work stress and boundaries", "The client describes mounting pressure at work and explores with the therapist "
                                   "how to set boundaries with their manager."),
    ("Family conflict", "The client recounts a recurring argument with a family member; the therapist helps them "
                        "see the pattern and what they need from the relationship."),
    ("Sleep and routines", "The client reports progress and setbacks with sleep, and they review the evening routine "
                           "together."),
    ("Anxiety before events", "The client talks about anticipatory anxiety before meetings and practises a grounding "
                              "technique with the therapist."),
    ("Progress since last session", "Therapist and client review what changed since the last session and "
                                    "acknowledge the steps the client has taken."),
    ("Self-criticism", "The client notices a harsh inner voice, and the therapist invites them to answer it as they "
                       "would a friend."),
    ("Plans for the coming week", "The session closes with a concrete plan: one self-care activity and one "
                                  "conversation the client intends to have."),
)
_NOTES = (
    ("ClientPresentation", "Client Presentation", (
        "Client presented as tired but engaged, with congruent affect.",
        "Client reported increased work stress and difficulty sleeping.",
        "Client described a conflict with a family member and its effect on mood.")),
    ("TherapeuticIntervention", "Therapeutic Intervention", (
        "Therapist used reflective listening and validation.",
        "Practised a grounding exercise in session.",
        "Explored cognitive distortions related to self-criticism.")),
    ("Plan", "Plan", (
        "Client will practise the breathing exercise nightly.",
        "Continue weekly sessions; review sleep diary next time.",
        "Client will have one boundary-setting conversation before the next session.")),
)


def _transcript(rng: random.Random, duration_ms: int, provider: str, clients: list[str],
                sparse: bool) -> tuple[list[dict[str, Any]], dict[str, str], list[tuple[str, str, str]]]:
    """Utterances in time order, the speaker mapping, and (user, sentiment, tense) per sentence spoken."""
    entities = {slot: rng.choice(names) for slot, (_, names) in _ENTITIES.items()}
    wpm = {user: rng.uniform(120, 190) for user in [provider, *clients]}
    # Diarisation now and then hears one person as two speakers; the mapping then repeats that user.
    split = rng.random() < 0.1
    labels: dict[tuple[str, bool], str] = {}
    mapping: dict[str, str] = {}
    sentences: list[tuple[str, str, str]] = []
    utterances: list[dict[str, Any]] = []
    clock, speaker = rng.randint(300, 3000), provider
    draw = rng.random
    while True:
        lines = _PROVIDER_LINES if speaker == provider else _CLIENT_LINES
        words: list[dict[str, Any]] = []
        at, mean_ms = clock, 60000 / wpm[speaker]
        spoken = []
        for text, sentiment, tense in rng.choices(lines, k=rng.choices((1, 2, 3, 4), weights=(45, 30, 15, 10))[0]):
            spoken.append((speaker, sentiment, tense))
            for token in text.format(**entities).split():
                # Plain random() for the word's length and the pause after it: a transcript has thousands of
                # words, and uniform() or randint() per word is what would make it slow to build.
                length = max(80, int(mean_ms * (0.6 + 0.7 * draw())))
                words.append({"text": token, "start": at, "end": at + length})
                at += length + int(120 * draw())
        if words[-1]["end"] > duration_ms - 200:
            break
        voice = (speaker, split and speaker == provider and rng.random() < 0.3)
        if voice not in labels:  # labels go A, B, C... in order of first appearance
            labels[voice] = ascii_uppercase[len(labels)]
            mapping[labels[voice]] = speaker
        sentences += spoken
        utterances.append({"text": " ".join(w["text"] for w in words), "start": words[0]["start"],
                           "end": words[-1]["end"], "speaker": labels[voice], "words": words})
        clock = words[-1]["end"] + round(min(max(rng.lognormvariate(6.5, 0.6), 150), 6000))
        if sparse:
            clock += rng.randint(20000, 120000)
        speaker = _next_speaker(rng, speaker, provider, clients)
    return utterances, mapping, sentences


def _next_speaker(rng: random.Random, speaker: str, provider: str, clients: list[str]) -> str:
    if rng.random() < 0.1:
        return speaker  # a pause, then the same person goes on
    if speaker != provider:
        others = [c for c in clients if c != speaker]
        return rng.choice(others) if others and rng.random() < 0.4 else provider
    return rng.choice(clients)


def _near(rng: random.Random, value: float, top: float | None = None) -> float:
    """A long-term average: this session's value give or take 10 %."""
    drifted = value * rng.uniform(0.9, 1.1)
    return round(min(drifted, top) if top is not None else drifted, 8)


def _analytics(rng: random.Random, utterances: list[dict[str, Any]], mapping: dict[str, str],
               sentences: list[tuple[str, str, str]], duration_ms: int, clients: list[str]) -> dict[str, Any]:
    talk_ms: dict[str, int] = defaultdict(int)
    word_count: dict[str, int] = defaultdict(int)
    replies: dict[str, list[int]] = defaultdict(list)
    previous: str | None = None
    previous_end = 0
    for utterance in utterances:
        user = mapping[utterance["speaker"]]
        talk_ms[user] += utterance["end"] - utterance["start"]
        word_count[user] += len(utterance["words"])
        if previous is not None and previous != user:
            replies[user].append(utterance["start"] - previous_end)
        previous, previous_end = user, utterance["end"]
    talking = {user: {"ratio": round(ms / duration_ms, 8), "ratioLongTerm": _near(rng, ms / duration_ms, 1.0),
                      "duration": ms, "durationLongTerm": _near(rng, ms)} for user, ms in talk_ms.items()}
    cadence = {user: {"cadence": round(word_count[user] * 60000 / ms, 5),
                      "cadenceLongTerm": _near(rng, word_count[user] * 60000 / ms)} for user, ms in talk_ms.items()}
    response = {user: {"time": round(sum(gaps) / len(gaps)), "timeLongTerm": _near(rng, sum(gaps) / len(gaps))}
                for user, gaps in replies.items()}
    sentiment, perspective = {}, {}
    for client in clients:  # the session's clients are the ones the clinician wants read
        said = [(s, t) for user, s, t in sentences if user == client]
        if not said:
            continue
        share = {key: sum(key in pair for pair in said) / len(said) for key in ("+", "-", "future", "past")}
        sentiment[client] = {"positive": round(share["+"], 8), "positiveLongTerm": _near(rng, share["+"], 1.0),
                             "negative": round(share["-"], 8), "negativeLongTerm": _near(rng, share["-"], 1.0)}
        perspective[client] = {"future": round(share["future"], 8),
                               "futureLongTerm": _near(rng, share["future"], 1.0),
                               "past": round(share["past"], 8), "pastLongTerm": _near(rng, share["past"], 1.0)}
    return {"talkingRatio": talking, "speechCadence": cadence, "responseTime": response, "sentiment": sentiment,
            "timePerspective": perspective}


def _named_entities(utterances: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entities of the banks that the transcript actually mentions, in order of first mention."""
    text = " ".join(u["text"] for u in utterances)
    found = []
    for entity_type, names in _ENTITIES.values():
        for name in names:
            if name in text:
                found.append((text.index(name), {"entityType": entity_type, "name": name,
                                                 "summary": _ENTITY_SUMMARIES[entity_type].format(name=name)}))
    return [entity for _, entity in sorted(found, key=lambda pair: pair[0])]


def _topics(rng: random.Random, duration_ms: int) -> list[dict[str, Any]]:
    chosen = rng.sample(_TOPICS, rng.randint(2, 5))
    cuts = sorted(rng.sample(range(1, 1000), len(chosen) - 1))
    edges = [0, *(duration_ms * c // 1000 for c in cuts), duration_ms]
    return [{"headline": headline, "gist": gist, "start": edges[i] + (250 if i == 0 else 0), "end": edges[i + 1]}
            for i, (gist, headline) in enumerate(chosen)]


def _notes(rng: random.Random, template_ids: list[str]) -> list[dict[str, Any]]:
    documents = []
    for template_id in template_ids:
        notes = []
        for category, name, texts in _NOTES:
            for level, text in enumerate(rng.sample(texts, rng.randint(1, 2))):
                notes.append({"category": category, "categoryName": name, "text": text,
                              "formatting": {"nestingLevel": min(level, 1)}})
        documents.append({"sessionDocumentId": new_uuid(rng), "noteTemplateId": template_id, "notes": notes})
    return documents


def session_body(session_id: str, *, seed: int = 0) -> dict[str, Any] | None:
    """The 200 body of GET /v2/sessions/{sessionId}, or None when there is no such session."""
    if not UUID.fullmatch(session_id) or is_unknown(session_id):
        return None
    rng = rng_for("upheal", seed, session_id)
    state = pick(rng, _STATE_WEIGHTS)
    provider = new_uuid(rng)
    clients = [new_uuid(rng) for _ in range(rng.choices((1, 2, 3), weights=(75, 18, 7))[0])]
    template_ids = [new_uuid(rng) for _ in range(rng.choice((1, 1, 2)))]
    created = datetime(2023, 6, 1, 8, tzinfo=UTC) + timedelta(days=rng.randrange(940), minutes=rng.randrange(660))
    # The session date is editable; now and then it was moved after the record was created.
    date = created + timedelta(days=rng.choice((0,) * 9 + (rng.randint(-3, 3),)))
    body: dict[str, Any] = {
        "sessionId": session_id,
        "noteTemplateIds": template_ids,
        "date": f"{date:%Y-%m-%dT%H:%M:%S}Z",
        "sessionCreatedAt": f"{created:%Y-%m-%dT%H:%M:%S}Z",
        "partnerAppointmentId": f"apt-{rng.randrange(10**6):06d}" if rng.random() < 0.4 else None,
        "providerUserId": provider,
        "clientUserIds": clients,
        "state": state,
    }
    if state == IN_PROGRESS:  # nothing is processed while the session runs
        return body
    code = rng.choice(list(ERRORS)) if state == ERROR else None
    duration_ms = rng.randint(20 * 60000, 55 * 60000)
    expires = int((created + timedelta(hours=1)).timestamp())
    body["recordingUrl"] = f"https://recordings.upheal.invalid/{session_id}.m4a?expires={expires}"
    if code is not None:
        body["error"] = {"code": code, "message": ERRORS[code]}
    if code == "file-conversion-failed":
        return body
    if code is not None:  # too little usable speech: a short, sparse recording
        duration_ms = rng.randint(60000, 8 * 60000)
    body["recordingDurationMs"] = duration_ms
    utterances, mapping, sentences = _transcript(rng, duration_ms, provider, clients, sparse=code is not None)
    body["transcript"] = {"utterances": utterances, "speakerMapping": mapping}
    if code is not None or (state == PROCESSING and rng.random() < 0.5):
        return body
    body["topics"] = _topics(rng, duration_ms)
    body["namedEntities"] = _named_entities(utterances)
    if state == PROCESSING:
        return body
    body["notes"] = _notes(rng, template_ids)
    body["analyticsSummary"] = _analytics(rng, utterances, mapping, sentences, duration_ms, clients)
    return body


def error(status: int, message: str) -> Reply:
    return Reply(status, {"message": message})


def respond(session_id: str, headers: Mapping[str, str | None], seed: int, credentials: Credentials) -> Reply:
    if not same_secret(headers["x-api-key"], credentials["UPHEAL_API_KEY"]):
        return error(403, "Invalid API Key")
    body = session_body(session_id, seed=seed)
    if body is None:
        return error(404, "Record with given ID wasn't found.")
    return Reply(200, body)


def sample_id(_created: datetime, rng: random.Random) -> str:
    return new_uuid(rng)  # a UUID carries no time


API = VendorApi("upheal", ("x-api-key",), respond, error, sample_id)
