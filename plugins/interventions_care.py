"""Manual therapy, procedures, referrals, education and modalities (data only, no hooks).

Steps describe what the therapist does and what the patient will feel. Contraindications,
alternatives and exclusive groups live in :mod:`careengine_plugins.interventions` (derived from
the exposure table of :mod:`careengine_plugins.interventions_safety`); the safety tips tell the
patient the same cautions in plain words.
"""

from __future__ import annotations

from careengine.model import Coding, Dosage, DosageSetting, Intervention, InterventionKind

from . import interventions_evidence as ev

MANUAL = InterventionKind.MANUAL_THERAPY
PROCEDURE = InterventionKind.PROCEDURE
REFERRAL = InterventionKind.REFERRAL
EDUCATION = InterventionKind.EDUCATION
MODALITY = InterventionKind.MODALITY
HOME = DosageSetting.HOME
SESSION = DosageSetting.SESSION
BOTH = DosageSetting.HOME_AND_SESSION
#: advice and education are part of every visit: no minutes, sets or frequency of their own
EVERY_VISIT = Dosage(setting=DosageSetting.EVERY_VISIT)

#: CPT (billing) codes for dry needling; which applies depends on how many muscles the
#: needling clinician treats, so both are given. Displays are our own short wording.
CPT = "http://www.ama-assn.org/go/cpt"
DRY_NEEDLING_CPT = (
    Coding(system=CPT, code="20560", display="Dry needling, 1 or 2 muscles"),
    Coding(system=CPT, code="20561", display="Dry needling, 3 or more muscles"),
)

MANUAL_THERAPY: tuple[Intervention, ...] = (
    Intervention(
        id="spinal_thrust_manipulation",
        kind=MANUAL,
        name="Spinal thrust manipulation",
        steps=(
            "The therapist examines your back and positions you, usually lying on your side or "
            "back, so the stiff segment is taken to the edge of its movement.",
            "While you stay relaxed, the therapist applies one quick, very small push to that "
            "segment.",
            "You may hear or feel a pop or click; this is gas in the joint and is harmless.",
            "Afterwards you do a simple range-of-motion exercise to keep the new movement.",
        ),
        dosage=Dosage(minutes=5, per_week=2, setting=SESSION),
        safety_tips=(
            "Tell the therapist if you take blood thinners, have a bleeding disorder or have "
            "very flexible joints.",
            "Mild soreness for a day or two is common; new numbness, leg weakness or bladder "
            "changes need urgent medical attention.",
            "You can say stop at any time; the technique is used only with your consent.",
        ),
        evidence=ev.MANIPULATION,
    ),
    Intervention(
        id="joint_mobilization",
        kind=MANUAL,
        name="Joint mobilization",
        steps=(
            "You lie face down, or on your side, in a comfortable position.",
            "The therapist places their hands over the stiff segment and applies slow, rhythmic "
            "pressure.",
            "You feel a gentle rocking or pressing that should stay comfortable; the force is "
            "graded to your symptoms.",
            "The therapist rechecks your movement and pain afterwards.",
        ),
        dosage=Dosage(minutes=10, per_week=2, setting=SESSION),
        safety_tips=(
            "Tell the therapist at once if the pressure causes sharp pain or leg symptoms.",
            "Mention osteoporosis or fragile bones so the force can be reduced.",
            "Mild soreness for a day afterwards is normal.",
        ),
        evidence=ev.MANIPULATION,
    ),
    Intervention(
        id="soft_tissue_massage",
        kind=MANUAL,
        name="Soft tissue massage",
        steps=(
            "You lie in a comfortable, supported position with the back and hips uncovered.",
            "The therapist kneads and strokes the tight muscles of the low back and hips with "
            "hands, forearms or a tool.",
            "The pressure is adjusted to you; it may feel firm but should stay tolerable.",
            "Afterwards the area usually feels warmer and looser.",
        ),
        dosage=Dosage(minutes=15, per_week=2, setting=SESSION),
        safety_tips=(
            "Tell the therapist about blood thinners, easy bruising or fragile skin.",
            "Massage is not applied over broken, infected or inflamed skin.",
            "Say if the pressure is too strong; harder is not better.",
        ),
        evidence=ev.MASSAGE,
    ),
    Intervention(
        id="neural_mobilization",
        kind=MANUAL,
        name="Neural mobilization",
        steps=(
            "The therapist tests how sensitive the nerves of your leg are to movement.",
            "They guide your leg, ankle and head through gentle, rhythmic movements that slide "
            "the nerve rather than stretch it hard.",
            "You may feel a mild pulling or tingling that fades as soon as the movement eases; it "
            "should not linger.",
            "You learn a home version, such as straightening the knee while pumping the ankle in "
            "sitting, to do between visits.",
        ),
        dosage=Dosage(sets=2, reps=10, per_week=5, setting=BOTH),
        safety_tips=(
            "Keep the movements gentle; stop if tingling or numbness continues after you stop.",
            "Never hold the nerve at the end of its stretch.",
            "Report any new weakness or numbness to your therapist.",
        ),
        evidence=ev.NEURAL,
    ),
    Intervention(
        id="cupping",
        kind=MANUAL,
        name="Cupping therapy",
        steps=(
            "You lie face down with your back uncovered.",
            "The therapist places plastic or silicone cups on the muscles and creates suction, "
            "either leaving the cups in place or gliding them over oiled skin.",
            "You feel a pulling, tight sensation under the cups; it should not hurt.",
            "The cups come off after a few minutes; round red or purple marks may appear and fade "
            "over several days.",
        ),
        dosage=Dosage(minutes=10, per_week=1, setting=SESSION),
        safety_tips=(
            "Tell the therapist if you take blood thinners or have a bleeding disorder.",
            "Cups are not placed over broken, infected or fragile skin.",
            "The round marks are expected and are not a burn or an injury.",
        ),
        evidence=ev.CUPPING,
    ),
)

PROCEDURES: tuple[Intervention, ...] = (
    Intervention(
        id="dry_needling_referral",
        kind=REFERRAL,
        name="Referral for dry needling",
        steps=(
            "Your therapist refers you to a clinician trained in dry needling and explains why.",
            "The clinician inserts very thin, solid needles into trigger points in the tight "
            "muscles.",
            "You may feel a brief twitch or a deep ache as a needle reaches the trigger point.",
            "Mild soreness for a day or two afterwards is common; keep moving and carry on with "
            "your exercises.",
        ),
        dosage=Dosage(per_week=1, setting=SESSION),
        safety_tips=(
            "Tell the clinician about blood thinners, bleeding disorders, pregnancy, diabetes, "
            "epilepsy, a weak immune system or a metal allergy.",
            "You can decline or stop needling at any time.",
            "Seek help at once for fainting, breathlessness or chest pain after needling.",
        ),
        evidence=ev.DRY_NEEDLING,
        codings=DRY_NEEDLING_CPT,
    ),
    Intervention(
        id="prone_traction",
        kind=PROCEDURE,
        name="Prone mechanical traction",
        steps=(
            "You lie face down on a traction table with one harness around your lower ribs and "
            "another around your pelvis.",
            "The machine pulls gently to lengthen the low back, either steadily or in cycles.",
            "You should feel a comfortable stretch, often with some easing of leg symptoms.",
            "The pull is released slowly; you rest for a minute before getting up, then do "
            "extension exercises if advised.",
        ),
        dosage=Dosage(minutes=10, per_week=2, setting=SESSION),
        safety_tips=(
            "Tell the therapist at once if leg pain, tingling or numbness gets worse during the "
            "pull.",
            "Get up slowly afterwards; brief stiffness is normal.",
            "The harness should feel snug but must not restrict your breathing.",
        ),
        evidence=ev.TRACTION,
    ),
)

EDUCATION_ITEMS: tuple[Intervention, ...] = (
    Intervention(
        id="pain_neuroscience_education",
        kind=EDUCATION,
        name="Pain neuroscience education",
        steps=(
            "Your therapist explains, in everyday language, how the nervous system produces pain.",
            "You learn that pain is a protective alarm that can stay loud even while tissues heal.",
            "You talk about how sleep, stress, beliefs and activity turn pain sensitivity up or "
            "down.",
            "Together you link this to your exercise plan and set a gradual activity goal.",
        ),
        dosage=EVERY_VISIT,
        safety_tips=(
            "Ask questions: the aim is understanding, never being told the pain is imaginary.",
            "The education works best alongside active treatment such as exercise.",
            "New or changing symptoms are still checked by your therapist.",
        ),
        evidence=ev.PAIN_EDUCATION,
    ),
    Intervention(
        id="activity_advice",
        kind=EDUCATION,
        name="Advice to stay active",
        steps=(
            "Your therapist explains that back pain usually improves and that staying active "
            "speeds recovery.",
            "Avoid bed rest; keep up normal activities and work as far as you can, adjusting the "
            "pace.",
            "Plan short, frequent spells of movement and increase them gradually.",
            "Use simple measures such as heat if they help you keep moving, and learn when to "
            "seek help.",
        ),
        dosage=EVERY_VISIT,
        safety_tips=(
            "Some pain with activity is normal and is not a sign of harm.",
            "Seek urgent help for numbness around the saddle area, bladder or bowel changes, or "
            "weakness in both legs.",
            "Come back if your symptoms are not improving as expected.",
        ),
        evidence=ev.ACTIVITY,
    ),
    Intervention(
        id="psychologically_informed_care",
        kind=EDUCATION,
        name="Psychologically informed physiotherapy",
        steps=(
            "Your therapist, trained in cognitive-behavioural principles, explores your worries, "
            "beliefs and expectations about your back.",
            "Together you spot unhelpful patterns, such as avoiding movement out of fear or "
            "expecting the worst.",
            "You set small, graded goals that bring feared activities back in a planned, safe way.",
            "Progress, setbacks and coping strategies are reviewed at each visit, alongside your "
            "exercises.",
        ),
        dosage=EVERY_VISIT,
        safety_tips=(
            "This care comes together with exercise, not instead of it.",
            "Tell your therapist if low mood or anxiety is severe; they can arrange more support.",
            "Work at a pace that feels challenging but manageable.",
        ),
        evidence=ev.PSYCHOLOGICALLY_INFORMED,
    ),
    Intervention(
        id="ergonomic_education",
        kind=EDUCATION,
        name="Ergonomic education",
        steps=(
            "Your therapist asks about your work, home tasks and the positions you spend most "
            "time in.",
            "You review the set-up of your chair, desk, screen or work area and adjust it "
            "together.",
            "You practise lifting and carrying with a hip hinge, keeping loads close to your body.",
            "You plan regular changes of position and short movement breaks through the day.",
        ),
        dosage=EVERY_VISIT,
        safety_tips=(
            "There is no single perfect posture; changing position often matters more.",
            "Use help or equipment for heavy or awkward loads.",
            "Bring photos of your workstation or tasks for advice that fits them.",
        ),
        evidence=ev.ERGONOMICS,
    ),
)

MODALITIES: tuple[Intervention, ...] = (
    Intervention(
        id="superficial_heat",
        kind=MODALITY,
        name="Superficial heat",
        steps=(
            "Use a hot pack, heat wrap or warm (not hot) water bottle wrapped in a towel.",
            "Lie or sit comfortably and place it over the painful area.",
            "Leave it on for 15 to 20 minutes; the skin should feel pleasantly warm.",
            "Use it before exercise or activity to ease stiffness.",
        ),
        dosage=Dosage(minutes=20, per_week=5, setting=HOME),
        safety_tips=(
            "Keep a towel between the heat and your skin and check the skin every few minutes.",
            "Do not use heat on numb skin or open wounds, or if you cannot feel temperature well.",
            "Do not fall asleep on a heat pack; if you are pregnant, ask before heating the low "
            "back.",
        ),
        evidence=ev.HEAT,
    ),
    Intervention(
        id="cryotherapy",
        kind=MODALITY,
        name="Cold therapy",
        steps=(
            "Wrap an ice pack or a bag of frozen peas in a damp towel.",
            "Place it over the painful area while you lie comfortably.",
            "Leave it on for up to 15 minutes; you will feel cold, then aching, then numbness.",
            "Take it off and let the skin warm up by itself; repeat later in the day if it helps.",
        ),
        dosage=Dosage(minutes=15, per_week=5, setting=HOME),
        safety_tips=(
            "Never put ice straight on the skin, and keep each use under 20 minutes.",
            "Do not use cold with Raynaud's phenomenon, cold hypersensitivity or poor circulation.",
            "Avoid cold on skin with reduced feeling.",
        ),
        evidence=ev.COLD,
    ),
    Intervention(
        id="tens",
        kind=MODALITY,
        name="TENS (transcutaneous electrical nerve stimulation)",
        steps=(
            "The therapist sticks electrode pads onto the skin around the painful area.",
            "The unit is switched on and turned up until you feel a strong but comfortable "
            "tingling.",
            "It stays on for the session; you turn it up a little if the tingling fades.",
            "You may be shown how to use a home unit during painful activities.",
        ),
        dosage=Dosage(minutes=30, per_week=3, setting=SESSION),
        safety_tips=(
            "Do not place pads over broken or numb skin, the front of the neck or the chest.",
            "Switch the unit off before removing or moving the pads.",
            "Do not use it while driving or operating machinery.",
        ),
        evidence=ev.TENS,
    ),
    Intervention(
        id="therapeutic_ultrasound",
        kind=MODALITY,
        name="Therapeutic ultrasound",
        steps=(
            "The therapist spreads gel over the area to be treated.",
            "A handheld probe is moved slowly over the skin in small circles.",
            "You should feel little or nothing, perhaps mild warmth; report any ache or heat at "
            "once.",
            "The gel is wiped off at the end of the treatment.",
        ),
        dosage=Dosage(minutes=5, per_week=2, setting=SESSION),
        safety_tips=(
            "Tell the therapist about metal implants, joint replacements or recent surgery in the "
            "area.",
            "It is not used over tumours, areas of acute inflammation, or nerve tissue exposed by "
            "spinal surgery (laminectomy).",
            "Report any heat or pain during treatment straight away.",
        ),
        evidence=ev.ULTRASOUND,
    ),
)

CARE: tuple[Intervention, ...] = MANUAL_THERAPY + PROCEDURES + EDUCATION_ITEMS + MODALITIES
