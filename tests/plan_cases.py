"""The plan evaluation table: casual requests as members type them, with the properties a faithful plan
must have (see prompts.plan_check.PlanCase). Starting cases from ../shared/cases/plans.md, plus our own:
English, Chinese, Spanish, Japanese and French; one word, rambling, multi-beat, option-laden, options in
odd places. tests/test_plan_quality.py and benchmarks/plan_quality.py both run it."""
from __future__ import annotations

from prompts.plan_check import PlanCase as C

CASES: tuple[C, ...] = (
    # the starting set
    C("a red fox trots across a frozen lake at dusk", content=("fox", "frozen lake", "dusk")),
    C("a knight rides through a burning village, then draws his sword, then charges the dragon", shots=3,
      content=("knight", "village", "sword", "dragon"), not_in=("then",), beats=("village", "sword", "dragon")),
    C("a jazz band playing in a rainy alley, in the style of a 1970s cop show", style="1970s",
      content=("jazz band", "rainy alley"), not_in=("1970s", "in the style of")),
    C("an owl landing on a fence post, 2 shots, make it 6 seconds", shots=2, total=6,
      content=("owl", "fence post"), not_in=("2 shots", "make it", "6 seconds")),
    C("city skyline timelapse, vertical 9:16", aspect="9:16", content=("city skyline", "timelapse"),
      not_in=("9:16", "vertical")),
    C("一只小狗在海边追海鸥，然后跳进水里，最后躺在沙滩上晒太阳", shots=3, content=("小狗/puppy", "海鸥", "水", "沙滩/beach"),
      not_in=("然后", "最后"), beats=("追海鸥", "跳进水里", "晒太阳")),
    C("一个宇航员在月球上种花，竖屏，四个镜头", shots=4, aspect="9:16", content=("宇航员/astronaut", "月球/moon", "花"),
      not_in=("竖屏", "四个镜头")),
    C("un gato tocando el piano en un bar de jazz", content=("un gato tocando el piano en un bar de jazz",)),
    C("une vieille femme qui nourrit des pigeons sous la pluie",
      content=("une vieille femme qui nourrit des pigeons sous la pluie",)),
    C("夕焼けの海でサーフィンする犬", content=("夕焼けの海でサーフィンする犬",)),
    C("hmm ok so basically I want like a tiny robot who gets lost in a huge library and finds a book that glows, "
      "you know?", content=("robot", "library", "book", "glows"),
      not_in=("hmm", "ok so", "basically", "I want", "you know"), beats=("lost", "finds")),
    C("a slow motion shot of a water balloon bursting", shots=1, style="slow-motion",
      content=("water balloon", "bursting"), not_in=("slow motion",)),
    C("a watercolor style animation of koi fish swimming", style="watercolor", content=("koi", "swimming"),
      not_in=("style",)),
    C("two kids building a sandcastle in 1999, 8 seconds", total=8, content=("kids", "sandcastle", "1999"),
      not_in=("8 seconds",)),
    C("a single shot of a candle flame flickering in the dark", shots=1, content=("candle", "flame", "dark"),
      not_in=("a single shot",)),
    C("make me a music video for a sad song about a robot in the rain", content=("robot", "rain", "sad"),
      not_in=("make me",)),
    C("3 cats sleeping on a windowsill", content=("3 cats", "windowsill")),
    C("a train crossing a bridge, 12 seconds, widescreen", total=12, aspect="16:9", content=("train", "bridge"),
      not_in=("12 seconds", "widescreen")),
    # years, decades, ordinals and counts of things stay content
    C("a dancer on a rooftop in the style of a 1980s music video", style="1980s music video",
      content=("dancer", "rooftop"), not_in=("in the style of",)),
    C("a 50s diner at night with a jukebox", content=("50s diner", "jukebox", "night")),
    C("my grandma's kitchen in 1962, warm and cozy", content=("grandma", "kitchen", "1962")),
    C("the 2nd wave of 300 soldiers storms the beach", content=("2nd wave", "300 soldiers", "beach")),
    C("five astronauts playing poker on the moon", content=("five astronauts", "poker", "moon")),
    # options in odd places
    C("in the style of Studio Ghibli, 4 shots, a girl flying on a broom over a seaside town at sunset", shots=4,
      style="Studio Ghibli", content=("girl", "broom", "seaside town", "sunset"), not_in=("4 shots",)),
    C("9:16 please: a skateboarder doing a kickflip down stairs, slow-mo", aspect="9:16", style="slow-motion",
      content=("skateboarder", "kickflip", "stairs"), not_in=("9:16", "slow-mo")),
    C("make it 10 seconds and square, a bowl of ramen steaming on a wooden table", total=10, aspect="1:1",
      content=("ramen", "steaming", "wooden table"), not_in=("10 seconds", "square")),
    C("a lighthouse in a storm (3 shots, 15 seconds, noir)", shots=3, total=15, style="noir",
      content=("lighthouse", "storm"), not_in=("3 shots", "15 seconds")),
    C("a hummingbird drinking from a flower, 3 seconds each, 3 shots, close-up", shots=3, total=9,
      content=("hummingbird", "flower"), not_in=("3 seconds each", "3 shots")),
    C("portrait mode, a barista pouring latte art", aspect="9:16", content=("barista", "latte art"),
      not_in=("portrait mode",)),
    C("a portrait of an old fisherman mending his nets", content=("portrait", "old fisherman", "nets")),
    C("a one minute clip of a city waking up, from dawn to rush hour, in 6 shots", shots=6, total=24,
      content=("city waking up", "dawn", "rush hour"), not_in=("one minute", "6 shots")),
    # one word
    C("volcano", content=("volcano",)),
    C("熊猫", content=("熊猫/panda",)),
    C("tormenta", content=("tormenta",)),
    # multi-beat
    C("A chef chops onions. The pan catches fire. Everyone laughs.", shots=3, content=("chef", "onions", "pan",
      "fire", "laughs"), beats=("onions", "fire", "laughs")),
    C("first the seed sprouts, then it grows into a tree, finally the tree blossoms", shots=3,
      content=("seed", "sprouts", "tree", "blossoms"), not_in=("finally", "then"), beats=("sprouts", "grows",
                                                                                         "blossoms")),
    C("a cat knocks a glass off the table and then looks at the camera, 2 shots", shots=2,
      content=("cat", "glass", "table", "camera"), beats=("glass", "looks")),
    C("一个女孩在雨中奔跑，接着她停下来抬头看天空，最后笑了", shots=3, content=("女孩", "雨", "天空"),
      not_in=("接着", "最后"), beats=("奔跑", "天空", "笑")),
    C("un perro corre por la playa, luego salta al agua, finalmente se duerme al sol", shots=3,
      content=("perro", "playa", "agua", "sol"), not_in=("luego", "finalmente"), beats=("playa", "agua", "sol")),
    C("un chat monte sur le toit, puis regarde la lune, enfin s'endort", shots=3,
      content=("chat", "toit", "lune"), not_in=("puis", "enfin"), beats=("toit", "lune", "endort")),
    C("侍が竹林を歩く。それから刀を抜く。最後に空を見上げる。", shots=3, content=("侍", "竹林", "刀", "空"),
      not_in=("それから", "最後に"), beats=("竹林", "刀", "空")),
    # option-laden, other languages
    C("一条龙在云海中飞翔，水墨风格，三个镜头，总共12秒，横屏", shots=3, total=12, aspect="16:9", style="ink wash",
      content=("龙/dragon", "云海"), not_in=("水墨风格", "三个镜头", "12秒", "横屏")),
    C("一只熊猫在竹林里吃竹子，每个镜头3秒，两个镜头", shots=2, total=6, content=("熊猫/panda", "竹林/bamboo"),
      not_in=("每个镜头", "两个镜头")),
    C("un astronauta flotando en el espacio, 3 tomas, 9 segundos, formato vertical", shots=3, total=9,
      aspect="9:16", content=("astronauta", "espacio"), not_in=("3 tomas", "9 segundos", "formato vertical")),
    C("une baleine qui saute hors de l'eau, 2 plans, 8 secondes, style aquarelle", shots=2, total=8,
      style="aquarelle", content=("baleine", "saute"), not_in=("2 plans", "8 secondes")),
    C("桜の下で踊る少女、縦長、3ショット、6秒", shots=3, total=6, aspect="9:16", content=("桜", "踊る少女"),
      not_in=("縦長", "3ショット", "6秒")),
    # rambling
    C("ok so picture this, there's this really old lighthouse keeper, and he's been alone for like forty years, "
      "and one night a whale shows up and sings to him, and he cries, it's kind of sad but beautiful",
      content=("lighthouse keeper", "forty years", "whale", "sings", "cries")),
    C("can you please make a video where a corgi in a tiny raincoat splashes through puddles on a busy street "
      "thanks!!", content=("corgi", "raincoat", "puddles", "busy street"), not_in=("can you", "please", "thanks")),
    # mixed scripts and clamped asks
    C("a dragon flying over 纽约 at night", content=("dragon", "纽约/New York", "night")),
    C("a rocket launch, 2 minutes, 3 shots", shots=3, total=24, content=("rocket launch",),
      not_in=("2 minutes", "3 shots")),
)
