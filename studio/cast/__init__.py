"""A cast of their own: characters a member owns, featured in clips with their likeness and their credit.

The package, in small modules (none imports `studio.service` but `desk` and `approvals`, so request
intake can use the rest):

- `names`: names and aliases in any script, and finding them in requests (NFKC, case folding, word
  boundaries where the script has them);
- `rules`: limits, consent (this server | ask me | only me) and who may use a character where;
- `casting`: a request's cast, resolved and checked; `intake`: the cast's part of request intake, and
  requests that wait for owners' approval;
- `planning`: the cast put into a plan (descriptions in the bible and featured shots, reference pictures
  in their recipes);
- `credits`: how a clip credits its cast (post, recipe card, lineage, gallery);
- `desk`: make, list, show, edit, delete; `approvals`: prompts, answers, timeouts and use notes, the work a
  front-end's cast loop picks up.

Records live in `storage.cast` (characters) and `storage.cast_uses` (clips' casts, approvals).
"""
