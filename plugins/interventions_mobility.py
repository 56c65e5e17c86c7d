"""Mobility, stretching and directional exercises of the built-in catalog (data only, no hooks).

Contraindications, alternatives, exclusive groups and progression links are not set here: they
live in one reviewable place, :mod:`careengine_plugins.interventions`, which also registers these
interventions. Numbers from the clinic's exercise articles (docs/clinical-basis.md section 7) are
kept (cat-cow 10-15 rounds, stretches held 20-30 s, two to three sessions a week); the wording is
our own.
"""

from __future__ import annotations

from careengine.model import Dosage, DosageSetting, Intervention, InterventionKind

from . import interventions_evidence as ev

EXERCISE = InterventionKind.EXERCISE
HOME = DosageSetting.HOME
BOTH = DosageSetting.HOME_AND_SESSION

MOBILITY: tuple[Intervention, ...] = (
    Intervention(
        id="cat_cow",
        kind=EXERCISE,
        name="Cat-cow",
        steps=(
            "Get onto your hands and knees, hands below your shoulders and knees below your hips.",
            "Breathing in, let your stomach sink toward the floor as your chest and tailbone "
            "lift (cow).",
            "Breathing out, round your back up toward the ceiling and let your head and tailbone "
            "drop (cat).",
            "Move slowly from one position to the other, one breath for each.",
            "Do 10 to 15 slow rounds.",
        ),
        dosage=Dosage(sets=1, reps=12, per_week=3, setting=HOME),
        safety_tips=(
            "Move smoothly, without jerking or bouncing at either end.",
            "Go only as far as is comfortable; the range grows with practice.",
            "Put a folded towel under your knees if kneeling is uncomfortable.",
        ),
        evidence=ev.TRUNK_MOBILITY,
    ),
    Intervention(
        id="childs_pose",
        kind=EXERCISE,
        name="Child's pose",
        steps=(
            "Start on your hands and knees.",
            "Slowly sit your hips back toward your heels and let your chest lower toward your "
            "thighs.",
            "Rest your arms on the floor, reaching ahead of you or lying beside your body.",
            "Stay for up to 30 seconds, breathing slowly and letting your back relax.",
            "Come back up onto your hands and knees slowly.",
        ),
        dosage=Dosage(reps=3, hold_seconds=30, per_week=3, setting=HOME),
        safety_tips=(
            "A cushion under your knees, or between heels and buttocks, helps sore knees.",
            "Ease off if you feel pain rather than a gentle stretch.",
            "Stop and tell your therapist if the pain spreads into your leg.",
        ),
        evidence=ev.TRUNK_MOBILITY,
    ),
    Intervention(
        id="seated_forward_bend",
        kind=EXERCISE,
        name="Seated forward bend",
        steps=(
            "Sit on the floor with both legs straight out in front of you.",
            "Breathing in, reach your arms up to lengthen your back.",
            "Breathing out, fold forward from the hips and slide your hands toward your toes.",
            "Stay at a gentle stretch for 20 to 30 seconds, then sit up slowly.",
        ),
        dosage=Dosage(reps=2, hold_seconds=30, per_week=3, setting=HOME),
        safety_tips=(
            "Let your knees bend a little if the backs of your legs feel very tight.",
            "Let the stretch come gradually; never force yourself further.",
            "Stop if the stretch sends pain or tingling down a leg.",
        ),
        evidence=ev.STRETCH,
    ),
    Intervention(
        id="cobra",
        kind=EXERCISE,
        name="Cobra (prone extension stretch)",
        steps=(
            "Lie on your stomach with your hands flat on the floor beside your shoulders.",
            "Breathing in, slowly lift your head and chest, mainly with your back muscles and "
            "only light help from your hands.",
            "Keep your hips resting on the floor.",
            "Stay up for three to five slow breaths, then lower gently.",
        ),
        dosage=Dosage(reps=5, hold_seconds=10, per_week=3, setting=HOME),
        safety_tips=(
            "Keep your hips down and lift only as high as feels comfortable.",
            "Look at the floor just ahead of you so your neck stays long.",
            "Stop if pain spreads further into the buttock or leg.",
        ),
        evidence=ev.TRUNK_MOBILITY,
    ),
    Intervention(
        id="seated_torso_twist",
        kind=EXERCISE,
        name="Seated torso twist",
        steps=(
            "Sit tall, cross-legged on the floor or on a chair with both feet flat.",
            "Rest your right hand on the outside of your left knee.",
            "Turn your upper body gently to the left while keeping your back tall.",
            "Hold for a few slow breaths, come back to the middle and repeat to the other side.",
        ),
        dosage=Dosage(reps=3, hold_seconds=15, per_week=3, setting=HOME),
        safety_tips=(
            "Turn only as far as is comfortable; do not pull yourself into the twist.",
            "Stay upright as you turn rather than slumping.",
            "Move slowly into and out of the twist.",
        ),
        evidence=ev.TRUNK_MOBILITY,
    ),
    Intervention(
        id="standing_hamstring_stretch",
        kind=EXERCISE,
        name="Standing hamstring stretch",
        steps=(
            "Stand up straight with your feet about hip-width apart.",
            "Fold slowly forward from the hips and let your hands slide down toward your toes.",
            "Keep a small bend in your knees if the stretch is too strong.",
            "Hold for 20 to 30 seconds while breathing slowly, then come back up.",
        ),
        dosage=Dosage(reps=2, hold_seconds=30, per_week=3, setting=HOME),
        safety_tips=(
            "Hold the stretch still; bouncing can strain the muscle.",
            "Stay within a comfortable pull, especially on days you feel tight.",
            "Stand near a wall or chair for balance and come up slowly if you feel light-headed.",
        ),
        evidence=ev.STRETCH,
    ),
    Intervention(
        id="knee_to_chest",
        kind=EXERCISE,
        name="Knee to chest stretch",
        steps=(
            "Lie on your back with both knees bent and your feet flat.",
            "Bring one knee toward your chest and hold it with both hands behind the thigh.",
            "Hold a gentle stretch in the low back and buttock for 20 to 30 seconds.",
            "Lower the leg slowly and repeat with the other leg.",
        ),
        dosage=Dosage(reps=2, hold_seconds=30, per_week=3, setting=HOME),
        safety_tips=(
            "Hold behind the thigh rather than over the kneecap.",
            "Keep your head and shoulders relaxed on the floor.",
            "Stop if leg pain increases or spreads.",
        ),
        evidence=ev.FLEXION_STENOSIS,
    ),
    Intervention(
        id="hip_flexor_stretch",
        kind=EXERCISE,
        name="Half-kneeling hip flexor stretch",
        steps=(
            "Kneel on one knee on a cushion with the other foot flat on the floor in front.",
            "Tuck your tailbone under a little and tighten the buttock of the kneeling leg.",
            "Shift your body gently forward until you feel a stretch at the front of that hip.",
            "Hold for 20 to 30 seconds, then change sides.",
        ),
        dosage=Dosage(reps=2, hold_seconds=30, per_week=3, setting=HOME),
        safety_tips=(
            "Keep your low back flat instead of arching to get a bigger stretch.",
            "Hold a chair or wall if your balance is unsteady.",
            "Pad the kneeling knee well.",
        ),
        evidence=ev.STRETCH,
    ),
    Intervention(
        id="thoracic_extension_mobilization",
        kind=EXERCISE,
        name="Thoracic extension mobilization",
        steps=(
            "Sit on a firm chair whose backrest reaches about the middle of your shoulder blades, "
            "or lie with a rolled towel or foam roller across your mid back.",
            "Support your head with your hands, elbows pointing forward.",
            "Breathing out, lean back gently over the backrest or roller so your mid back arches.",
            "Come back to the start; repeat 10 times, shifting the contact point a little between "
            "rounds.",
        ),
        dosage=Dosage(sets=1, reps=10, hold_seconds=3, per_week=3, setting=HOME),
        safety_tips=(
            "Let the bend happen in your mid back, not in your low back or neck.",
            "Keep your hands supporting your head the whole time.",
            "Use the chair version if lying on a roller is uncomfortable or if your bones are "
            "fragile.",
        ),
        evidence=ev.TRUNK_MOBILITY,
    ),
    Intervention(
        id="open_book_rotation",
        kind=EXERCISE,
        name="Open book rotation",
        steps=(
            "Lie on your side with hips and knees bent to a right angle and both arms straight "
            "out in front, palms together.",
            "Keeping your knees together on the floor, lift the top arm and open it across to "
            "the other side, following your hand with your eyes.",
            "Let your chest turn toward the ceiling as far as is comfortable and pause for a "
            "breath.",
            "Bring the arm back to meet the other one; repeat, then change sides.",
        ),
        dosage=Dosage(sets=1, reps=10, hold_seconds=3, per_week=3, setting=HOME),
        safety_tips=(
            "Keep your knees stacked so the turn comes from the mid back, not the low back.",
            "Move slowly and stop where the stretch is comfortable.",
            "Rest your head on a pillow to keep your neck level.",
        ),
        evidence=ev.TRUNK_MOBILITY,
    ),
    Intervention(
        id="ankle_dorsiflexion_mobilization",
        kind=EXERCISE,
        name="Ankle dorsiflexion mobilization (knee to wall)",
        steps=(
            "Stand facing a wall with one foot a few centimetres from it and the other foot "
            "behind you for balance.",
            "Keeping the front heel down, bend the front knee forward until it touches the wall.",
            "If the knee reaches easily, move the foot back a little; if the heel lifts, move "
            "closer.",
            "Rock in and out 10 times, then change legs.",
        ),
        dosage=Dosage(sets=2, reps=10, per_week=3, setting=HOME),
        safety_tips=(
            "Keep the heel flat on the floor throughout.",
            "Point the knee over the middle toes, not inward.",
            "A stretch in the calf or front of the ankle is fine; sharp pain is not.",
        ),
        evidence=ev.REGIONAL_MOBILITY,
    ),
    Intervention(
        id="leg_swings",
        kind=EXERCISE,
        name="Leg swings (dynamic hip stretch)",
        steps=(
            "Stand side-on to a wall or sturdy chair and hold it with one hand.",
            "Stand tall on the inside leg with the knee slightly soft.",
            "Swing the outside leg forward and back in a relaxed, controlled arc, letting the "
            "range grow gradually.",
            "Do 10 to 15 swings, then turn round and swing the other leg.",
        ),
        dosage=Dosage(sets=2, reps=12, per_week=3, setting=HOME),
        safety_tips=(
            "Keep your trunk upright so the movement comes from the hip, not the low back.",
            "Keep each swing controlled; do not kick or fling the leg.",
            "Always hold a support for balance.",
        ),
        evidence=ev.STRETCH,
    ),
    Intervention(
        id="repeated_extension_in_lying",
        kind=EXERCISE,
        name="Repeated extension in lying (press-ups)",
        steps=(
            "Lie face down with your hands under your shoulders, as if starting a push-up.",
            "Straighten your arms to raise your upper body while your hips and legs stay relaxed "
            "on the floor.",
            "Let your low back sag, breathe out at the top, then lower slowly.",
            "Repeat 10 times, going a little further each time if your symptoms allow.",
            "Notice whether leg or buttock symptoms move toward the spine (a good sign) or "
            "further down the leg (stop and report it).",
        ),
        dosage=Dosage(sets=1, reps=10, per_week=7, times_per_day=6, setting=HOME),
        safety_tips=(
            "Stop and contact your therapist if symptoms spread further into the leg.",
            "Central back pain that rises briefly and then eases is usually acceptable; pain that "
            "stays worse is not.",
            "Repeat the set through the day only as often as your therapist prescribes.",
        ),
        evidence=ev.DIRECTIONAL,
    ),
    Intervention(
        id="repeated_flexion_in_lying",
        kind=EXERCISE,
        name="Repeated flexion in lying (double knee to chest)",
        steps=(
            "Lie on your back with both knees bent and feet flat.",
            "Bring both knees toward your chest and hug them gently with your hands behind the "
            "thighs.",
            "Pull in gently for a second, then release and let your feet return to the floor.",
            "Repeat 10 times, letting the knees come a little closer each time if symptoms allow.",
            "Notice whether symptoms move toward the spine (a good sign) or further down the leg "
            "(stop and report it).",
        ),
        dosage=Dosage(sets=1, reps=10, per_week=7, times_per_day=6, setting=HOME),
        safety_tips=(
            "Stop and contact your therapist if symptoms spread further into the leg.",
            "Keep your head resting on the floor.",
            "Repeat the set through the day only as often as your therapist prescribes.",
        ),
        evidence=ev.DIRECTIONAL,
    ),
    Intervention(
        id="lateral_shift_correction",
        kind=EXERCISE,
        name="Lateral shift correction (side glide)",
        steps=(
            "Your therapist first corrects the shift with their hands and shows you which side "
            "to practise on.",
            "Stand side-on to a wall about a forearm's length away, with the shoulder your "
            "therapist names against the wall and that elbow tucked into your side.",
            "Glide your hips slowly toward the wall, keeping your shoulders level, and hold for "
            "two seconds.",
            "Return to the start and repeat 10 times.",
            "Finish by standing up straight, followed by gentle backward bends if your therapist "
            "advises them.",
        ),
        dosage=Dosage(sets=1, reps=10, hold_seconds=2, per_week=7, times_per_day=6, setting=BOTH),
        safety_tips=(
            "Stop and tell your therapist if leg symptoms get worse or spread.",
            "Keep your shoulders level and facing forward; only the hips move.",
            "Avoid bending forward or sitting slumped straight after correcting the shift.",
        ),
        evidence=ev.LATERAL_SHIFT,
    ),
)
