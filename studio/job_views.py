"""Following and managing render jobs: a job with its clip and queue estimate, a member's jobs, cancelling,
and the finished jobs a front-end still has to deliver."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from common.errors import NotFound
from renderqueue.estimates import queue_estimates, queue_position
from renderqueue import jobs as job_store
from storage.deliveries import DeliveryKey, begin_delivery
from storage import clips as clip_store
from storage.aio import AsyncDatabase
from storage.records import Clip, QueueEstimate, RenderJob
from studio.errors import StudioError
from studio.members import Member


@dataclass(frozen=True)
class JobView:
    """A job with its clip and, while it waits, where it stands in the queue."""

    job: RenderJob
    clip: Clip
    estimate: QueueEstimate | None


class JobDesk:
    """The jobs part of `studio.service.Studio`, over its database (`adb`)."""

    adb: AsyncDatabase

    async def job_view(self, job_id: int) -> JobView:
        """A job with its clip and queue estimate. Raises NotFound."""
        def read(db: Any) -> JobView:
            job = job_store.get_job(db, job_id)
            return JobView(job, _clip_of(db, job), queue_position(db, job_id))

        return await self.adb.read(read)

    async def my_jobs(self, member: Member) -> list[JobView]:
        """The member's queued and running jobs in their server, oldest first, with estimates."""
        return await self.adb.read(
            lambda db: _job_views(db, job_store.user_jobs(db, member.id, member.guild_id), estimate=True)
        )

    async def active_jobs(self, guild_id: int | None = None) -> list[JobView]:
        """Queued and running jobs (of one guild, or all), oldest first: for progress displays and admins."""
        return await self.adb.read(lambda db: _job_views(db, job_store.active_jobs(db, guild_id), estimate=True))

    async def cancel(self, member: Member, job_id: int) -> RenderJob:
        """Cancel a queued or running job of the member's server. Raises NotFound for a job elsewhere
        (the same answer as for no such job), NotAllowed for someone else's job without moderator rights."""

        def write(db: Any) -> RenderJob:
            job = job_store.get_job(db, job_id)
            if not member.sees(job.guild_id, job.user_id):
                raise NotFound("There is no render job {job_id}.", job_id=job_id)
            return job_store.cancel_job(db, job_id, by_user_id=member.id, can_moderate=member.can_moderate)

        return await self.adb.write(write)

    async def finished_jobs(self, transport: str) -> list[JobView]:
        """Jobs of clips that `transport` ("discord", "console") delivers that ended (done, failed,
        cancelled) and whose outcome it has not delivered yet, oldest first."""
        return await self.adb.read(
            lambda db: _job_views(db, job_store.pending_notifications(db, transport=transport), estimate=False)
        )

    async def begin_delivery(self, job: RenderJob) -> DeliveryKey:
        """The key this job's delivery carries on every try (storage.deliveries), recorded before the
        first send."""
        return await self.adb.write(begin_delivery, job.id)

    async def mark_delivered(self, job: RenderJob, posted_message_id: int | None = None) -> None:
        """Record that the job's outcome was posted (so delivery loops don't post it again) and, if it was posted as
        a message, which one."""
        def write(db: Any) -> None:
            job_store.mark_notified(db, job.id)
            if posted_message_id is not None:
                clip_store.set_posted_message(db, job.clip_id, posted_message_id)

        await self.adb.write(write)


def _job_views(db: Any, jobs: list[RenderJob], *, estimate: bool) -> list[JobView]:
    """Views of many jobs in one database call, predicting the queue once rather than once per job."""
    estimates = queue_estimates(db) if estimate and jobs else {}
    return [JobView(job, _clip_of(db, job), estimates.get(job.id)) for job in jobs]


def _clip_of(db: Any, job: RenderJob) -> Clip:
    clip = clip_store.find_clip(db, job.clip_id)
    if clip is None:
        raise StudioError("Clip #{clip_id} no longer exists.", clip_id=job.clip_id)
    return clip
