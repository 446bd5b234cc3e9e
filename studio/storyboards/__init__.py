"""Storyboard first: every shot's still in seconds, changed and approved shot by shot, then animated as approved.

- `plan`: what a request's storyboard is (stills per shot, takes) and what Animate renders;
- `views`: a storyboard as front-ends show it;
- `actions`: re-roll, retry, remove, pick, cancel, Animate, and auto mode's Animate;
- `editing`: a shot changed in words (a stored request, finished after a restart);
- `refine`: Finalize of a draft refined from it (video-to-video) instead of re-rolled.
"""
