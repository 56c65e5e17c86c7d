"""Motor-control and strengthening exercises of the built-in catalog (data only, no hooks).

Contraindications, alternatives, exclusive groups and progression links live in
:mod:`careengine_plugins.interventions`. Seed numbers are kept (pelvic tilts and bridges 10-15
repetitions, bird-dog 10 a side, side plank held 15-30 s, two to three sessions a week); loaded
strength work follows ACSM 2011 (2-3 days a week, 8-12 repetitions, 2-4 sets).
"""

from __future__ import annotations

from careengine.model import Dosage, DosageSetting, Intervention, InterventionKind

from . import interventions_evidence as ev

EXERCISE = InterventionKind.EXERCISE
HOME = DosageSetting.HOME

STRENGTH: tuple[Intervention, ...] = (
    Intervention(
        id="pelvic_tilt",
        kind=EXERCISE,
        name="Pelvic tilt",
        steps=(
            "Lie on your back with your knees bent and feet flat on the floor.",
            "Tighten your stomach gently and rock your pelvis so your low back presses flat "
            "against the floor.",
            "Hold for about 5 seconds while breathing normally.",
            "Relax back to the start; do 10 to 15 repetitions.",
        ),
        dosage=Dosage(sets=2, reps=12, hold_seconds=5, per_week=3, setting=HOME),
        safety_tips=(
            "Keep your neck and shoulders relaxed on the floor.",
            "Breathe normally; do not hold your breath.",
            "A small, gentle tilt is enough.",
        ),
        evidence=ev.TRUNK_ACTIVATION,
    ),
    Intervention(
        id="bridge",
        kind=EXERCISE,
        name="Bridge",
        steps=(
            "Lie on your back with knees bent and feet flat, hip-width apart.",
            "Tighten your stomach gently and squeeze your buttocks.",
            "Lift your hips until your body makes a straight line from shoulders to knees.",
            "Hold for about 3 seconds at the top, then lower slowly.",
            "Do 10 to 15 repetitions.",
        ),
        dosage=Dosage(sets=2, reps=12, hold_seconds=3, per_week=3, setting=HOME),
        safety_tips=(
            "Keep your shoulders on the floor.",
            "Stop lifting at the straight line; do not arch your low back at the top.",
            "If you feel it mostly in your hamstrings or back, bring your feet a little closer "
            "and squeeze the buttocks first.",
        ),
        evidence=ev.TRUNK_STRENGTH,
    ),
    Intervention(
        id="single_leg_bridge",
        kind=EXERCISE,
        name="Single-leg bridge",
        steps=(
            "Set up as for a bridge: on your back, knees bent, feet flat.",
            "Straighten one leg so both thighs stay level.",
            "Push through the heel of the bent leg to lift your hips, keeping the pelvis level.",
            "Hold for about 3 seconds and lower slowly; finish the set before changing legs.",
        ),
        dosage=Dosage(sets=2, reps=10, hold_seconds=3, per_week=3, setting=HOME),
        safety_tips=(
            "Do not let your pelvis drop or twist toward the lifted leg.",
            "Go back to two-leg bridges if you cannot keep your hips level.",
            "If the back of the thigh cramps, rest and move the foot a little closer.",
        ),
        evidence=ev.TRUNK_STRENGTH,
    ),
    Intervention(
        id="abdominal_bracing",
        kind=EXERCISE,
        name="Abdominal bracing",
        steps=(
            "Lie on your back with your knees bent, or sit tall on a chair.",
            "Tighten the muscles all around your waist, as if someone were about to poke your "
            "stomach, firmly but well short of full effort.",
            "Keep breathing normally while you hold the tension for 10 seconds.",
            "Relax completely and repeat 10 times.",
        ),
        dosage=Dosage(sets=2, reps=10, hold_seconds=10, per_week=5, weeks=8, setting=HOME),
        safety_tips=(
            "Never hold your breath while bracing.",
            "Use light to moderate effort: you should still be able to talk.",
            "Practise bracing during everyday tasks such as lifting or rising from a chair.",
        ),
        evidence=ev.TRUNK_ACTIVATION,
    ),
    Intervention(
        id="dead_bug",
        kind=EXERCISE,
        name="Dead bug",
        steps=(
            "Lie on your back with your arms pointing at the ceiling and your hips and knees bent "
            "to a right angle, shins level.",
            "Brace your stomach gently so your low back stays in contact with the floor.",
            "Slowly lower one arm overhead while straightening the opposite leg toward the floor.",
            "Return, then repeat with the other arm and leg; do 8 on each side.",
        ),
        dosage=Dosage(sets=2, reps=8, per_week=3, setting=HOME),
        safety_tips=(
            "Lower only as far as you can keep your back still.",
            "Breathe out as the arm and leg go down.",
            "Make it easier by moving only the legs, or by tapping a heel to the floor.",
        ),
        evidence=ev.TRUNK_ACTIVATION,
    ),
    Intervention(
        id="bird_dog",
        kind=EXERCISE,
        name="Bird dog",
        steps=(
            "Get onto your hands and knees, hands under your shoulders and knees under your hips.",
            "Tighten your stomach gently so your back stays flat and still.",
            "Reach one arm forward and the opposite leg back until both are level with your body.",
            "Hold for about 5 seconds, come back, and change to the other arm and leg.",
            "Do 10 on each side.",
        ),
        dosage=Dosage(sets=2, reps=10, hold_seconds=5, per_week=3, weeks=8, setting=HOME),
        safety_tips=(
            "Keep your back level; do not let it arch or sag as the leg goes back.",
            "Lift the leg no higher than your hip.",
            "Start by moving only an arm or only a leg if balancing both is too hard.",
        ),
        evidence=ev.TRUNK_ACTIVATION,
    ),
    Intervention(
        id="plank",
        kind=EXERCISE,
        name="Plank",
        steps=(
            "Lie face down resting on your forearms, elbows under your shoulders.",
            "Tighten your stomach and buttocks and lift your body into a straight line, from the "
            "knees at first if needed.",
            "Hold for 20 seconds while breathing steadily.",
            "Lower down, rest briefly, and repeat.",
        ),
        dosage=Dosage(reps=3, hold_seconds=20, per_week=3, setting=HOME),
        safety_tips=(
            "Do not let your hips sag or pike upward.",
            "Breathe throughout the hold.",
            "Stop if you feel it in your low back rather than your stomach.",
        ),
        evidence=ev.TRUNK_ACTIVATION,
    ),
    Intervention(
        id="side_plank",
        kind=EXERCISE,
        name="Side plank",
        steps=(
            "Lie on your side with your elbow under your shoulder and your legs stacked, or "
            "knees bent for an easier version.",
            "Lift your hips so your body makes a straight line from head to feet (or knees).",
            "Hold for 15 to 30 seconds, breathing steadily.",
            "Lower down, then repeat on the other side.",
        ),
        dosage=Dosage(reps=3, hold_seconds=20, per_week=3, setting=HOME),
        safety_tips=(
            "Shift your elbow position if your shoulder complains.",
            "Keep your stomach working so the hips do not sag.",
            "Start from the knees if the full version strains your back or shoulder.",
        ),
        evidence=ev.TRUNK_ACTIVATION,
    ),
    Intervention(
        id="half_kneeling_glute_activation",
        kind=EXERCISE,
        name="Half-kneeling glute activation",
        steps=(
            "Kneel on one knee on a cushion with the other foot flat in front, both knees at a "
            "right angle.",
            "Kneel tall, tuck your tailbone slightly and squeeze the buttock of the kneeling leg.",
            "Hold the squeeze for about 5 seconds without leaning or arching your back.",
            "Relax and repeat 10 times, then change sides.",
        ),
        dosage=Dosage(sets=2, reps=10, hold_seconds=5, per_week=3, setting=HOME),
        safety_tips=(
            "Keep your trunk upright and your low back from arching.",
            "Pad the kneeling knee well.",
            "Hold a wall or chair for balance if needed.",
        ),
        evidence=ev.TRUNK_ACTIVATION,
    ),
    Intervention(
        id="lumbar_extension",
        kind=EXERCISE,
        name="Lumbar extension (prone back raise)",
        steps=(
            "Lie face down with a pillow under your hips and your arms by your sides.",
            "Squeeze your buttocks and slowly raise your chest a few centimetres off the floor "
            "with your back muscles.",
            "Stop when your upper body is in line with your legs; do not arch up as far as you "
            "can.",
            "Hold for about 3 seconds, lower slowly, and repeat.",
        ),
        dosage=Dosage(sets=2, reps=10, hold_seconds=3, per_week=3, setting=HOME),
        safety_tips=(
            "Do not over-arch: a small, controlled lift is enough.",
            "Keep your chin tucked and your eyes on the floor.",
            "Stop if pain spreads into the buttock or leg.",
        ),
        evidence=ev.TRUNK_STRENGTH,
    ),
    Intervention(
        id="crunch",
        kind=EXERCISE,
        name="Partial crunch (curl-up)",
        steps=(
            "Lie on your back with knees bent and feet flat; cross your hands on your chest.",
            "Tighten your stomach and curl your head and shoulder blades a short way off the "
            "floor.",
            "Pause for a moment, then lower slowly.",
            "Do 10 to 15 repetitions.",
        ),
        dosage=Dosage(sets=2, reps=12, per_week=3, setting=HOME),
        safety_tips=(
            "Lift only the shoulder blades; do not sit all the way up.",
            "Do not pull on your head or neck.",
            "Breathe out as you curl up.",
        ),
        evidence=ev.TRUNK_STRENGTH,
    ),
    Intervention(
        id="hip_hinge",
        kind=EXERCISE,
        name="Hip hinge",
        steps=(
            "Stand with feet hip-width apart holding a broom handle along your back so it touches "
            "your head, upper back and tailbone.",
            "Soften your knees and push your hips backward so your trunk tips forward in one "
            "piece.",
            "Keep all three contact points on the stick; go down until you feel a stretch behind "
            "the thighs.",
            "Drive your hips forward and squeeze your buttocks to stand tall; repeat 10 times.",
        ),
        dosage=Dosage(sets=2, reps=10, per_week=3, setting=HOME),
        safety_tips=(
            "If the stick leaves your tailbone or upper back, your back is rounding: go less deep.",
            "The movement comes from the hips; the knees bend only slightly.",
            "Use the same pattern whenever you bend to pick something up.",
        ),
        evidence=ev.MOVEMENT_CONTROL,
    ),
    Intervention(
        id="romanian_deadlift",
        kind=EXERCISE,
        name="Romanian deadlift",
        steps=(
            "Stand with feet hip-width apart holding a weight in front of your thighs, knees "
            "slightly soft.",
            "Push your hips back and let the weight slide down the front of your legs while your "
            "back stays straight.",
            "Stop when you feel a stretch behind the thighs or your back starts to round.",
            "Squeeze your buttocks and push your hips forward to stand tall.",
        ),
        dosage=Dosage(sets=3, reps=8, per_week=2, setting=HOME),
        safety_tips=(
            "Keep the weight close to your legs the whole time.",
            "Start light and add weight only while your back stays straight.",
            "Stop if pain spreads into a leg.",
        ),
        evidence=ev.GENERAL_STRENGTH,
    ),
    Intervention(
        id="goblet_squat",
        kind=EXERCISE,
        name="Goblet squat",
        steps=(
            "Stand with feet a little wider than your hips, holding a weight at your chest with "
            "both hands.",
            "Push your hips back and bend your knees to lower as if sitting onto a chair, chest "
            "up.",
            "Go as low as you can while your back stays straight and your heels stay down.",
            "Push through your whole foot to stand up.",
        ),
        dosage=Dosage(sets=3, reps=10, per_week=2, setting=HOME),
        safety_tips=(
            "Start with a light weight, or none, and add load only while your form stays good.",
            "Keep your knees in line with your toes.",
            "Squat down to a chair or box at first if depth is difficult.",
        ),
        evidence=ev.GENERAL_STRENGTH,
    ),
    Intervention(
        id="split_squat",
        kind=EXERCISE,
        name="Split squat",
        steps=(
            "Stand in a long stride with the front foot flat, the back heel lifted and the feet "
            "hip-width apart; hold a support if needed.",
            "Lower straight down by bending both knees until the back knee is close to the floor.",
            "Keep your trunk upright and the front heel down.",
            "Push through the front foot to rise; finish the set, then change legs.",
        ),
        dosage=Dosage(sets=3, reps=8, per_week=2, setting=HOME),
        safety_tips=(
            "Keep the front knee tracking over the middle toes.",
            "Hold a wall or chair for balance at first.",
            "Go less deep if the front knee or your back hurts.",
        ),
        evidence=ev.GENERAL_STRENGTH,
    ),
    Intervention(
        id="row",
        kind=EXERCISE,
        name="Row (band or cable)",
        steps=(
            "Fix a resistance band at chest height, or use a cable machine, and stand facing it "
            "holding the ends.",
            "Stand tall with your stomach gently braced.",
            "Pull your elbows back past your body and squeeze your shoulder blades together.",
            "Let the arms return slowly and under control.",
        ),
        dosage=Dosage(sets=3, reps=10, per_week=2, setting=HOME),
        safety_tips=(
            "Keep your shoulders down, away from your ears.",
            "Do not lean back to help the pull.",
            "Choose a resistance that lets you finish the set with good form.",
        ),
        evidence=ev.GENERAL_STRENGTH,
    ),
    Intervention(
        id="push_up",
        kind=EXERCISE,
        name="Push-up",
        steps=(
            "Place your hands on a wall, a bench or the floor, slightly wider than your shoulders.",
            "Walk your feet back so your body makes a straight line, and brace your stomach.",
            "Bend your elbows to lower your chest toward your hands.",
            "Push back up while keeping your body straight.",
        ),
        dosage=Dosage(sets=3, reps=10, per_week=2, setting=HOME),
        safety_tips=(
            "Use a higher surface, such as a wall or bench, to make it easier.",
            "Do not let your hips sag or your back arch.",
            "Keep your elbows angled back rather than flared straight out.",
        ),
        evidence=ev.GENERAL_STRENGTH,
    ),
    Intervention(
        id="pallof_press",
        kind=EXERCISE,
        name="Pallof press (anti-rotation press)",
        steps=(
            "Fix a resistance band at chest height and stand side-on to it, holding the handle at "
            "your chest with both hands.",
            "Step away until the band is taut; feet hip-width apart, knees soft.",
            "Press your hands straight out from your chest without letting your body turn toward "
            "the band.",
            "Hold for about 2 seconds, bring the hands back, and repeat; then face the other way.",
        ),
        dosage=Dosage(sets=2, reps=10, hold_seconds=2, per_week=3, setting=HOME),
        safety_tips=(
            "Keep your hips and shoulders facing forward the whole time.",
            "Use a lighter band if your body twists.",
            "Breathe steadily; do not hold your breath.",
        ),
        evidence=ev.TRUNK_ACTIVATION,
    ),
)
