"""General conditioning, balance and posture exercises of the built-in catalog (data only).

Contraindications, alternatives, exclusive groups and progression links live in
:mod:`careengine_plugins.interventions`. Aerobic dosage builds toward ACSM 2011 (at least
150 minutes a week of moderate activity); the defaults are starting doses, not targets.
"""

from __future__ import annotations

from careengine.model import Dosage, DosageSetting, Intervention, InterventionKind

from . import interventions_evidence as ev

EXERCISE = InterventionKind.EXERCISE
HOME = DosageSetting.HOME

CONDITIONING: tuple[Intervention, ...] = (
    Intervention(
        id="balance_training",
        kind=EXERCISE,
        name="Balance training",
        steps=(
            "Stand beside a kitchen counter or sturdy chair you can grab if needed.",
            "Stand on one leg with a soft knee and an upright trunk for up to 30 seconds.",
            "Do this 3 times on each leg.",
            "When it becomes easy, add one challenge at a time: eyes closed, a cushion underfoot, "
            "or turning your head.",
        ),
        dosage=Dosage(reps=3, hold_seconds=30, per_week=3, setting=HOME),
        safety_tips=(
            "Always keep a support within reach.",
            "Clear the floor around you of anything you could trip over.",
            "Add only one new challenge at a time.",
        ),
        evidence=ev.BALANCE,
    ),
    Intervention(
        id="walking_program",
        kind=EXERCISE,
        name="Walking program",
        steps=(
            "Walk at a pace that makes you breathe a little faster but still lets you talk.",
            "Start with a time you can manage without a flare-up; even 10 minutes counts.",
            "Add a few minutes each week, working toward 30 minutes on most days (150 minutes a "
            "week).",
            "Keep a simple log of the minutes walked and how your back felt the next day.",
        ),
        dosage=Dosage(minutes=20, per_week=5, setting=HOME),
        safety_tips=(
            "Wear comfortable, supportive shoes and start on level ground.",
            "If leg symptoms build, slow down or stop, rest, and then carry on.",
            "Soreness that has settled by the next morning is acceptable; pain lasting longer "
            "means the walk was too long.",
        ),
        evidence=ev.AEROBIC,
    ),
    Intervention(
        id="stationary_cycling",
        kind=EXERCISE,
        name="Stationary cycling",
        steps=(
            "Set the saddle so your knee stays slightly bent at the bottom of each pedal stroke.",
            "Warm up for a few minutes at an easy pace and light resistance.",
            "Ride at a moderate effort, where you can talk but not sing, for the prescribed time.",
            "Cool down with a few easy minutes at the end.",
        ),
        dosage=Dosage(minutes=20, per_week=3, setting=HOME),
        safety_tips=(
            "Sit upright or lean slightly forward, whichever suits your back better.",
            "Set the handlebars so you do not have to reach.",
            "Shorten the ride if back or leg pain builds during it.",
        ),
        evidence=ev.AEROBIC,
    ),
    Intervention(
        id="aquatic_exercise",
        kind=EXERCISE,
        name="Aquatic exercise",
        steps=(
            "Exercise in warm, chest-deep water, in a class or with a programme from your "
            "therapist.",
            "Begin by walking forward, backward and sideways through the water.",
            "Add knee lifts, leg swings and gentle trunk movements while the water takes some of "
            "your weight.",
            "Build the session up gradually toward the prescribed time.",
        ),
        dosage=Dosage(minutes=30, per_week=2, setting=HOME),
        safety_tips=(
            "Exercise only where you can stand, and tell the instructor or lifeguard about your "
            "back.",
            "Use the steps and handrails to get in and out.",
            "Stay out of the pool with open wounds or skin infections.",
        ),
        evidence=ev.AQUATIC,
    ),
    Intervention(
        id="yoga",
        kind=EXERCISE,
        name="Yoga",
        steps=(
            "Join a beginners' or back-care yoga class, or follow a routine your therapist has "
            "approved.",
            "Tell the teacher about your back and about any movements your therapist asked you to "
            "avoid.",
            "Move slowly into each pose and keep your breathing steady.",
            "Finish with a few minutes of relaxation lying down.",
        ),
        dosage=Dosage(minutes=45, per_week=2, setting=HOME),
        safety_tips=(
            "Skip or adapt any pose that brings on leg symptoms.",
            "Never force a stretch; comfortable effort is the aim.",
            "Keep to the movement limits in your care plan, for example around bending or "
            "twisting.",
        ),
        evidence=ev.YOGA,
    ),
    Intervention(
        id="postural_training",
        kind=EXERCISE,
        name="Postural training",
        steps=(
            "Sit or stand tall, as if a string were drawing the top of your head upward.",
            "Draw your chin in gently and let your shoulder blades settle back and down.",
            "Hold the position for five slow breaths, then relax.",
            "Repeat 10 times, and check your posture at regular breaks during the day.",
        ),
        dosage=Dosage(sets=2, reps=10, per_week=5, setting=HOME),
        safety_tips=(
            "Aim for a relaxed upright posture, not a stiff military one.",
            "Change position regularly: no single posture is right all day.",
            "Stop if a position brings on tingling or pain in the arms or legs.",
        ),
        evidence=ev.POSTURE,
    ),
)
