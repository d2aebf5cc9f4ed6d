# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 00 · Welcome: how this course works
#
# **Scale from Zero to Millions** follows a web system as it grows from one server in a
# cupboard to a design that serves millions of people on several continents. Every idea comes
# with a small model you can run, change and break, and with exercises that are graded.
#
# **You will learn to**
# - move around a chapter: read, run a model, explore it with a widget, solve exercises;
# - check your own work with the visible checks and nbgrader's **Validate** button;
# - hand in a notebook that grades the way you expect.
#
# **Time:** about 15 minutes. **Points:** 5 (3 autograded, 2 for a written answer).

# %% [markdown]
# ## How every chapter is laid out
#
# Every topic chapter after this one has the same shape, so you always know where you are:
#
# ```mermaid
# flowchart LR
#     A[Problem] --> B[Model] --> C[Explore] --> D[Production] --> E[Exercises] --> F[Summary]
# ```
#
# 1. **Setup**: one code cell that imports what the chapter needs and fixes a random seed,
#    so every run gives the same numbers as your neighbour's.
# 2. **Concept sections**: the problem, a model from the course library `scalelab`, and what the
#    numbers mean for a real system.
# 3. **Explore**: a live widget. Move a slider and the plot and its caption change.
# 4. **Exercises**: code you write, each followed by checks; and one written answer.
# 5. **Summary** and **References**.

# %% [markdown]
# ## Setup
#
# Run the cell below first (click it, then press **Shift+Enter**). It imports the library and
# creates `rng`, the one random-number generator the chapter uses. `SEED` fixes its starting
# point: change it and the random parts of the chapter change too.

# %%
import numpy as np

from coursekit.progress import show_progress
from scalelab.checks import plain_check_failures, warnings_to_stdout
from scalelab.estimate import average_rate
from scalelab.predict import predict, reveal
from scalelab.product import PRODUCT, peak_rate, stage
from scalelab.widgets import show
from scalelab.widgets.estimate import explore_daily_traffic

warnings_to_stdout()  # a warning is printed, never written to stderr (stderr fails a check)
plain_check_failures()  # a failed check shows its message and line, not a traceback
SEED = 2026
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## A first model: how many requests per second?
#
# Everything in this course starts with a rate. Take a product with a million daily users, each
# of whom makes 20 requests a day. **Predict first**: how many requests arrive per second, on
# average? Write your guess in place of `...` below and run the cell. Chapters ask for a
# prediction like this before each experiment; the next cell shows the model's answer beside
# yours. A guess is never graded, only kept (in `predictions.json` beside the notebook), and
# the progress table at the end of this chapter shows how far off your guesses were.

# %%
predict("average-rate", ..., question="requests/s from a million users making 20 requests a day",
        unit="requests/s")

# %% [markdown]
# A million requests do not arrive at once: a day has 24 × 60 × 60 = 86,400 seconds, so the
# *average* rate is
#
# $$\text{requests/s} = \frac{\text{daily users} \times \text{requests per user per day}}{86\,400}.$$
#
# The library computes it for you:

# %%
rate = average_rate(daily_users=1_000_000, requests_per_user=20)
reveal("average-rate", rate, why="20 million requests spread over 86,400 seconds; most guesses "
       "are far too high")

# %% [markdown]
# About 231 requests per second. But people do not spread their visits evenly: traffic rises in
# the evening and falls at night. Engineers describe the busiest moment with a **peak factor**,
# the ratio of the peak rate to the average. Library functions check their inputs and tell you
# which parameter is wrong and what range is allowed:

# %% tags=["raises-exception"]
average_rate(daily_users=-5, requests_per_user=20)

# %% [markdown]
# ## The product you will grow
#
# Every chapter follows one product, defined once in `scalelab.product`: **Shutterstall**, a shop
# where photographers sell prints of their photos. Half its requests fetch a photo or a
# thumbnail; of the page and API requests, one in ten writes (an order, a like, an upload). Each
# chapter starts from the bottleneck the previous one exposed and ends with the shop's numbers
# after the fix. Today it launches:

# %%
launch = stage("welcome")
print(f"{PRODUCT.name} launches with {launch.daily_users:,} daily users, "
      f"{PRODUCT.requests_per_user:.0f} requests each a day, a peak {PRODUCT.peak_factor} times "
      "the average.")

# %% [markdown]
# **Predict first**: how many requests per second reach Shutterstall at 20:00, its busiest
# moment? Then: the last chapters run it with 100 million daily users. How many then?

# %%
predict("shop-peak-rate", ..., question="Shutterstall's requests/s at 20:00 on launch day",
        unit="requests/s")

# %%
predict("shop-capstone-peak", ..., question="requests/s at 20:00 with 100 million daily users",
        unit="requests/s")

# %%
mean = average_rate(launch.daily_users, PRODUCT.requests_per_user)
reveal("shop-peak-rate", peak_rate("welcome"), why=f"the average ({mean:.0f} requests/s) times "
       f"the peak factor {PRODUCT.peak_factor}: one small server handles that")
growth = stage("millions").daily_users / launch.daily_users
reveal("shop-capstone-peak", peak_rate("millions"), why=f"{growth:.0f} times the users gives "
       f"{growth:.0f} times the rate: no single machine serves that; this course is how to")

# %% [markdown]
# ## Explore
#
# The widget below draws the request rate over one day. Drag a slider with the mouse, or click
# it and use the arrow keys. The caption under the plot states the key numbers in words.
#
# *Try:* double the daily users; what happens to the peak? Set the peak factor to 1: what kind of
# product has traffic that flat?

# %%
explorer = show(explore_daily_traffic)

# %% [markdown]
# ## Exercises
#
# ### Exercise 1: requests per second at the peak (3 points)
#
# Write `peak_requests_per_second(daily_users, requests_per_user, peak_factor)` that returns the
# peak rate in requests per second, as a float: the average rate times the peak factor.
# Raise `ValueError` only for impossible inputs: `daily_users` or `requests_per_user` below zero,
# or `peak_factor` below 1 (a peak is never below the average). Zero users or zero requests is a
# product with no traffic yet: return 0.0, do not raise. A peak factor of exactly 1 (perfectly
# flat traffic) is allowed.
#
# Write it yourself with arithmetic: the library's `average_rate` is switched off while the hidden
# checks run. One check is visible below (1 point); the hidden checks (2 points) try other
# numbers and the errors. A check that fails says so in red, in one message: the case it tried,
# what it expected and what your function returned (`Check failed: ...`), and the line of the
# check that failed. An error from inside your own function shows the usual traceback instead,
# pointing at your line.

# %% nbgrader={"grade": false, "grade_id": "peak_rps", "locked": false, "schema_version": 3, "solution": true, "task": false}
def peak_requests_per_second(daily_users, requests_per_user, peak_factor):
    """Peak request rate (requests/s) of a product with the given daily traffic."""
    ### BEGIN SOLUTION
    if daily_users < 0:
        raise ValueError(f"daily_users must be >= 0; got {daily_users}")
    if requests_per_user < 0:
        raise ValueError(f"requests_per_user must be >= 0; got {requests_per_user}")
    if peak_factor < 1:
        raise ValueError(f"peak_factor must be >= 1; got {peak_factor}")
    return daily_users * requests_per_user / 86_400 * peak_factor
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_peak_rps_visible", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
"""Visible check: the peak rate for two round-number products."""
from scalelab.checks import expect_close

expect_close(peak_requests_per_second(86_400, 1, 2.0), 2.0, what="86,400 users × 1 request, peak ×2")
expect_close(peak_requests_per_second(864_000, 10, 1.5), 150.0, what="864,000 users × 10 requests, peak ×1.5")
print("Visible check passed: the hidden checks try other numbers, zero traffic and the errors.")

# %% nbgrader={"grade": true, "grade_id": "test_peak_rps_hidden", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
"""Hidden checks: uneven numbers, zero traffic, flat traffic, invalid inputs, no library helper."""
### BEGIN HIDDEN TESTS
from scalelab.checks import expect_close, expect_raises, library_disabled

with library_disabled("scalelab.estimate.average_rate", "scalelab.estimate.peak_rate"):
    expect_close(peak_requests_per_second(1_000_000, 20, 1.8), 1_000_000 * 20 / 86_400 * 1.8,
                 rel=1e-9, what="scenario 'a million users': peak rate")
    expect_close(peak_requests_per_second(1, 1, 1.0), 1 / 86_400, rel=1e-9,
                 what="scenario 'one user, flat traffic': peak rate")
    expect_close(peak_requests_per_second(0, 20, 2.0), 0.0, abs_tol=1e-12,
                 what="scenario 'no users yet': zero users is allowed and gives 0")
    expect_close(peak_requests_per_second(5_000, 0, 3.0), 0.0, abs_tol=1e-12,
                 what="scenario 'no requests yet': zero requests per user is allowed and gives 0")
    expect_close(peak_requests_per_second(43_200, 2.5, 1.0), 1.25, rel=1e-9,
                 what="scenario 'fractional requests per user, flat traffic': peak rate")
    for bad in [(-1, 20, 2.0), (100, -3, 2.0), (100, 20, 0.5), (100, 20, 0.999)]:
        expect_raises(ValueError, peak_requests_per_second, *bad)
print("Hidden checks passed.")
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 (written, 2 points)
#
# In two to four sentences, in the cell below: why do engineers size a system for its peak rate
# rather than its average, and what goes wrong for users when a system is sized only for the
# average? (Graded by hand against the rubric in `grading/rubrics/00-welcome.md`.)

# %% [markdown] nbgrader={"grade": true, "grade_id": "why_peak", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# Requests do not arrive evenly: in the busiest hour the rate is often about twice the daily
# average. A system sized for the average is overloaded at the peak, so requests queue, latency
# climbs steeply as utilisation nears 100 %, and some requests time out or are dropped, exactly
# when most users are watching. Sizing for the peak, plus headroom for a failed server, keeps
# latency low; autoscaling can trim the cost of the idle capacity at night.

# %% [markdown]
# ## Check and hand in
#
# 1. **Kernel → Restart Kernel and Run All Cells.** Every visible check should print its
#    message and no cell should show a red error (the one above that demonstrates a `ValueError`
#    is expected).
# 2. Click **Validate** in the notebook toolbar. nbgrader re-runs the notebook as the grader will
#    and reports failing checks or unanswered cells.
# 3. **Self-paced?** Run `make check NB=00-welcome` in a terminal at the top of the repository: it
#    grades your copy in `work/` with the hidden checks, in isolation, and shows you feedback
#    without revealing the hidden tests. Compare with `solutions/00-welcome/` when you are done.
# 4. **In a class?** Submit through the *Assignments* tab (JupyterHub) or as your instructor says.

# %% [markdown]
# ### Your progress
#
# The cell below reads your work copy (every chapter folder beside this one): the visible checks
# you have passed as last saved, the predictions you made and compared, and how far off they
# typically were. `make progress` in a terminal prints the same table.

# %%
show_progress("..")

# %% [markdown]
# ## Summary
#
# - A chapter runs: problem → model → explore → production → exercises → summary.
# - Rates are the course's currency: daily users × requests per user ÷ 86,400 s gives the
#   average, and the peak factor scales it to the busiest moment.
# - Visible checks give feedback now; hidden checks and written answers are graded later.
#
# ## References
#
# - Jupyter Development Team (2024). *nbgrader documentation: the student workflow.*
#   https://nbgrader.readthedocs.io/en/stable/user_guide/highlights.html
# - Okabe, M. and Ito, K. (2008). *Color Universal Design: how to make figures and presentations
#   that are friendly to colorblind people.* https://jfly.uni-koeln.de/color/
# - Beyer, B., Jones, C., Petoff, J. and Murphy, N. R. (2016). *Site Reliability Engineering*,
#   chapter 18 (load and capacity planning). O'Reilly. https://sre.google/sre-book/table-of-contents/
