# SPDX-License-Identifier: MPL-2.0
"""How much each procedure is used, when, how online, and how long its steps take (demo history).

Figures are plausible for a ward of ~230,000 residents (DOMAIN.md), not statistics: what matters
is that the dashboards have a story to tell — seasonal peaks, a rising online rate, a few
bottlenecks and overdue runs that someone should notice.
"""

from dataclasses import dataclass
from datetime import date

# Applications per average business day at scale 1.0.
DAILY_VOLUME = {
    "juminhyo": 120.0,
    "sodai-gomi": 60.0,
    "kazei-shomei": 45.0,
    "tennyu": 45.0,
    "tenshutsu": 40.0,
    "koseki-shomei": 40.0,
    "kokuho-ido": 30.0,
    "tenkyo": 25.0,
    "inkan-toroku": 15.0,
    "yokaigo-nintei": 12.0,
    "jido-teate": 10.0,
    "kokumin-nenkin-menjo": 10.0,
    "hoiku-moshikomi": 8.0,
    "shussei": 6.0,
    "ninshin": 6.0,
    "kodomo-iryohi": 6.0,
    "shibo": 5.0,
    "doro-sonsho": 4.0,
    "kaigo-jutaku-kaishu": 3.0,
    "shintai-shogai-techo": 3.0,
    "inu-toroku": 3.0,
    "shugaku-enjo": 3.0,
    "jido-fuyo-teate": 2.0,
    "seikatsu-hogo": 2.0,
    "doro-senyo": 2.0,
    "kobunsho-kaiji": 2.0,
    "jukyo-kakuho": 1.5,
    "keijidosha-genmen": 1.5,
    "kojin-joho-kaiji": 1.0,
    "partnership": 0.5,
    "risai-shomei": 0.3,
}
DEFAULT_VOLUME = 1.0
INQUIRIES_PER_DAY = 60.0

_MOVES = {3: 2.6, 4: 2.2, 9: 1.2}
# Month → multiplier. March–April: moving season; June: resident-tax notices (課税証明);
# May: light-vehicle tax notices; October–November: nursery applications for April.
SEASONS: dict[str, dict[int, float]] = {
    "tennyu": _MOVES,
    "tenshutsu": _MOVES,
    "tenkyo": _MOVES,
    "kokuho-ido": {3: 1.9, 4: 2.0},
    "jido-teate": {3: 1.6, 4: 1.8},
    "juminhyo": {3: 1.5, 4: 1.4},
    "sodai-gomi": {3: 1.8, 4: 1.4, 12: 1.6},
    "kazei-shomei": {6: 2.8, 7: 1.4},
    "keijidosha-genmen": {5: 2.5},
    "kokumin-nenkin-menjo": {7: 2.5},
    "hoiku-moshikomi": {10: 3.0, 11: 3.5, 12: 1.5, 1: 1.2, 4: 1.3},
    "shugaku-enjo": {4: 3.0, 5: 2.0},
    "kodomo-iryohi": {4: 1.5},
}
# Mon..Sun; counters are shut at weekends and on holidays, online applications are not.
WEEKDAY_ONLINE = [1.2, 1.05, 1.0, 1.0, 1.0, 0.55, 0.5]
WEEKDAY_COUNTER = [1.3, 1.05, 1.0, 0.95, 1.0, 0.0, 0.0]

# Online share at the start and at the end of the history (the digital shift), per procedure.
ONLINE_SHARE: dict[str, tuple[float, float]] = {
    "juminhyo": (0.25, 0.55),
    "sodai-gomi": (0.55, 0.85),
    "kazei-shomei": (0.2, 0.5),
    "tennyu": (0.1, 0.35),
    "tenshutsu": (0.35, 0.7),
    "tenkyo": (0.1, 0.3),
    "kokuho-ido": (0.1, 0.3),
    "koseki-shomei": (0.2, 0.45),
    "jido-teate": (0.4, 0.8),
    "hoiku-moshikomi": (0.5, 0.9),
    "doro-sonsho": (0.6, 0.85),
    "inu-toroku": (0.3, 0.6),
}
DEFAULT_ONLINE_SHARE = (0.15, 0.4)
# Procedures that go online part-way through the history (fraction of the way); counter only before.
GOES_ONLINE = {"partnership": 0.35, "doro-senyo": 0.55, "kobunsho-kaiji": 0.7, "risai-shomei": 0.45}

# Share of started online drafts left unfinished, and the step index where most are left.
ABANDON_RATE = 0.18
ABANDON_HOTSPOTS = {"jido-fuyo-teate": (0.45, 3), "yokaigo-nintei": (0.4, 5), "kokumin-nenkin-menjo": (0.35, 4)}

CORRECTION_RATE = 0.1
CORRECTION_RATES = {"jido-teate": 0.22, "hoiku-moshikomi": 0.25, "kaigo-jutaku-kaishu": 0.3, "doro-senyo": 0.28}
# The answer most 補正 name, and the share of a procedure's 補正 that name it (the rest name any answer).
CORRECTION_HOT_ANSWERS = {
    "jido-teate": ("bank_account", 0.6),
    "hoiku-moshikomi": ("guardian_reason", 0.55),
    "kaigo-jutaku-kaishu": ("works_detail", 0.5),
    "doro-senyo": ("location", 0.5),
}
# An improvement part-way through the history (fraction of the way): from then on, only this share
# of the 補正 naming the hot answer still happen (児童手当: the bank-account question got an example).
# The demo records the matching action (civicloop/demo/improvement.py), so 改善 shows its effect.
CORRECTION_FIXES = {"jido-teate": (0.7, 0.3)}
REJECT_RATE = 0.04
WITHDRAW_RATE = 0.02
RATING_RATE = 0.22  # of residents who applied online and got a result

# Median hours of each step (log-normal around it), by workflow step.
STEP_HOURS = {
    "intake": 3.0,
    "review": 20.0,
    "consultation": 40.0,
    "inspection": 90.0,
    "fee": 18.0,
    "notify": 0.5,
}
STEP_HOURS_BY_PROCEDURE = {
    ("yokaigo-nintei", "consultation"): 260.0,  # the attending doctor's opinion (主治医意見書) takes weeks
    ("seikatsu-hogo", "review"): 120.0,
    ("hoiku-moshikomi", "review"): 90.0,
    ("shintai-shogai-techo", "review"): 200.0,
}
# Certificates are issued over the counter or the same day online: every step is short.
for _code in ("juminhyo", "koseki-shomei", "kazei-shomei", "inkan-toroku", "risai-shomei"):
    STEP_HOURS_BY_PROCEDURE.update({(_code, "intake"): 0.4, (_code, "review"): 0.5, (_code, "fee"): 0.3})
STEP_HOURS_BY_PROCEDURE[("risai-shomei", "inspection")] = 30.0
STEP_HOURS_BY_PROCEDURE[("inkan-toroku", "review")] = 2.0
CONSULTATION = {"seikatsu-hogo", "yokaigo-nintei", "kobunsho-kaiji", "kojin-joho-kaiji", "doro-senyo"}
APPROVAL_HOURS = {"kakaricho": 1.5, "kacho": 10.0, "bucho": 30.0, "fuku_kucho": 48.0, "kucho": 72.0}
CERTIFICATES = {"juminhyo", "koseki-shomei", "kazei-shomei", "risai-shomei", "inkan-toroku"}
# Share of a procedure's cases raised to TOP SECRET (支援措置: DV victims' addresses, child protection).
TOP_SECRET_SHARE = {"juminhyo": 0.004, "tennyu": 0.01, "tenkyo": 0.01, "seikatsu-hogo": 0.06, "jido-fuyo-teate": 0.05}


def approval_route(code: str, kind: str) -> list[str]:
    """The 決裁 route procedures/_shared/approval_rules.yaml gives (amounts left out)."""
    if kind == "notification":
        return []
    if code in CERTIFICATES:
        return ["kakaricho"]
    if code == "seikatsu-hogo":
        return ["kakaricho", "kacho", "bucho"]
    return ["kakaricho", "kacho"]


@dataclass(frozen=True)
class Incident:
    """A stretch of time when one department or step ran slow: the story the dashboards should show."""

    start_fraction: float
    end_fraction: float
    department: str
    step: str  # workflow step or approver level
    factor: float
    months: tuple[int, ...] = ()  # instead of a fraction: these months every year


INCIDENTS = [
    # Nursery peak: reviews pile up in 保育課 every November–January.
    Incident(0, 1, "hoiku", "review", 3.0, months=(11, 12, 1)),
    # A vacancy: the 福祉課 division head's approvals wait four times as long for a few months.
    Incident(0.62, 0.78, "fukushi", "kacho", 5.0),
    # Moving season: intake at 戸籍住民課 falls behind every March–April.
    Incident(0, 1, "koseki_juumin", "intake", 3.5, months=(3, 4)),
    # A staff shortage in 介護保険課 late in the history: everything there slows.
    Incident(0.85, 0.95, "kaigo", "*", 2.2),
]
# A typhoon: disaster-damage certificates jump for three weeks.
TYPHOON_FRACTION = 0.5
TYPHOON_DAYS = 21
TYPHOON_FACTOR = 60.0


def incident_factor(department: str, step: str, day: date, fraction: float) -> float:
    factor = 1.0
    for incident in INCIDENTS:
        if incident.department != department or incident.step not in (step, "*"):
            continue
        if incident.months:
            if day.month in incident.months:
                factor *= incident.factor
        elif incident.start_fraction <= fraction < incident.end_fraction:
            factor *= incident.factor
    return factor
