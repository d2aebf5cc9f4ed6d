from answers import CorrectAnswer, WrongAnswer

WRONG = {
    "peak_rps": [
        WrongAnswer(
            "def peak_requests_per_second(daily_users, requests_per_user, peak_factor):\n"
            "    return daily_users * requests_per_user // 86_400 * peak_factor\n",
            max_points=1,
            passes=("test_peak_rps_visible",),
            why="integer division: right only when the daily total is a multiple of 86,400",
        ),
        WrongAnswer(
            "def peak_requests_per_second(daily_users, requests_per_user, peak_factor):\n"
            "    return daily_users * requests_per_user / 86_400 * peak_factor\n",
            max_points=1,
            passes=("test_peak_rps_visible",),
            why="no input checks: negative users and a peak factor below 1 are accepted",
        ),
        WrongAnswer(
            "from scalelab.estimate import average_rate, peak_rate\n\n"
            "def peak_requests_per_second(daily_users, requests_per_user, peak_factor):\n"
            "    return peak_rate(average_rate(daily_users, requests_per_user), peak_factor)\n",
            max_points=1,
            passes=("test_peak_rps_visible",),
            why="calls the library's helpers, which the exercise asks the learner to replace",
        ),
        WrongAnswer(
            "def peak_requests_per_second(daily_users, requests_per_user, peak_factor):\n"
            "    return daily_users * requests_per_user / 3_600 * peak_factor\n",
            max_points=0,
            why="divides by the seconds in an hour, not in a day",
        ),
        WrongAnswer(
            "def peak_requests_per_second(daily_users, requests_per_user, peak_factor):\n"
            "    if daily_users <= 0 or requests_per_user <= 0:\n"
            "        raise ValueError('daily_users and requests_per_user must be positive')\n"
            "    if peak_factor < 1:\n"
            "        raise ValueError('peak_factor must be >= 1')\n"
            "    return daily_users * requests_per_user / 86_400 * peak_factor\n",
            max_points=1,
            passes=("test_peak_rps_visible",),
            why="refuses zero users or zero requests, which the prompt allows (they give 0)",
        ),
        WrongAnswer(
            "def peak_requests_per_second(daily_users, requests_per_user, peak_factor):\n"
            "    if daily_users < 0 or requests_per_user < 0:\n"
            "        raise ValueError('daily_users and requests_per_user must be >= 0')\n"
            "    if peak_factor <= 1:\n"
            "        raise ValueError('peak_factor must be > 1')\n"
            "    return daily_users * requests_per_user / 86_400 * peak_factor\n",
            max_points=1,
            passes=("test_peak_rps_visible",),
            why="refuses a peak factor of exactly 1 (flat traffic), which the prompt allows",
        ),
    ],
}

RIGHT = {
    "peak_rps": [
        CorrectAnswer(
            "SECONDS_PER_DAY = 24 * 60 * 60\n\n"
            "def peak_requests_per_second(daily_users, requests_per_user, peak_factor):\n"
            "    if peak_factor < 1:\n"
            "        raise ValueError(f'peak_factor must be >= 1; got {peak_factor}')\n"
            "    if min(daily_users, requests_per_user) < 0:\n"
            "        raise ValueError('daily_users and requests_per_user must be >= 0')\n"
            "    requests_per_day = daily_users * requests_per_user\n"
            "    return float(requests_per_day * peak_factor / SECONDS_PER_DAY)\n",
            why="checks in another order, one combined test, the day as 24 × 60 × 60, the peak "
            "factor applied before the division",
        ),
        CorrectAnswer(
            "from fractions import Fraction\n\n"
            "def peak_requests_per_second(daily_users, requests_per_user, peak_factor):\n"
            "    limits = {'daily_users': (daily_users, 0), 'requests_per_user': "
            "(requests_per_user, 0), 'peak_factor': (peak_factor, 1)}\n"
            "    for name, (value, lowest) in limits.items():\n"
            "        if value < lowest:\n"
            "            raise ValueError(f'{name} must be >= {lowest}; got {value}')\n"
            "    per_second = Fraction(daily_users) * Fraction(requests_per_user) / 86_400\n"
            "    return float(per_second * Fraction(peak_factor))\n",
            why="exact rational arithmetic, then one conversion to float; the checks driven by a "
            "table of lower limits",
        ),
    ],
}
