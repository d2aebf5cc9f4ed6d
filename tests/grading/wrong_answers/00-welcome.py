from answers import WrongAnswer

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
    ],
}
