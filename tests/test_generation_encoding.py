import av
import numpy as np
import pytest

from generation.encoding import encode_mp4, fit_to_limit, probe, read_frame, stitch
from generation.errors import EncodeError


def noise(frames, height, width, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (frames, height, width, 3), dtype=np.uint8)


def solid(frames, height, width, rgb):
    return np.broadcast_to(np.array(rgb, np.uint8), (frames, height, width, 3)).copy()


def test_encode_then_probe_with_a_real_decoder(tmp_path):
    path = encode_mp4(noise(24, 48, 64), 12, tmp_path / "shot.mp4")
    info = probe(path)
    assert (info.width, info.height, info.frame_count) == (64, 48, 24)
    assert info.fps == pytest.approx(12)
    assert info.duration == pytest.approx(2.0, abs=0.01)
    assert info.size_bytes == path.stat().st_size
    data = path.read_bytes()
    assert data[4:8] == b"ftyp" and data.index(b"moov") < data.index(b"mdat")  # faststart
    assert list(tmp_path.iterdir()) == [path]  # no temp files left behind


def test_odd_sizes_become_even_and_frames_survive(tmp_path):
    path = encode_mp4(solid(5, 33, 51, (200, 30, 30)), 8, tmp_path / "odd.mp4")
    info = probe(path)
    assert (info.width, info.height) == (50, 32)
    frame = read_frame(path, 2)
    assert frame.shape == (32, 50, 3)
    assert np.abs(frame.astype(int) - (200, 30, 30)).mean() < 8


def test_read_frame_from_start_and_end(tmp_path):
    frames = np.concatenate([solid(3, 32, 32, (0, 0, 0)), solid(1, 32, 32, (255, 255, 255))])
    path = encode_mp4(frames, 8, tmp_path / "v.mp4")
    assert read_frame(path, 0).mean() < 10
    assert read_frame(path, -1).mean() > 245
    with pytest.raises(IndexError):
        read_frame(path, 4)
    with pytest.raises(IndexError):
        read_frame(path, -5)


def test_stitch_concatenates_at_the_first_shots_size(tmp_path):
    first = encode_mp4(solid(8, 48, 64, (255, 0, 0)), 8, tmp_path / "a.mp4")
    second = encode_mp4(solid(5, 96, 128, (0, 0, 255)), 8, tmp_path / "b.mp4")
    clip = stitch([first, second], tmp_path / "clip.mp4")
    info = probe(clip)
    assert (info.width, info.height, info.frame_count) == (64, 48, 13)
    assert info.duration == pytest.approx(13 / 8, abs=0.01)
    assert read_frame(clip, 7)[..., 0].mean() > 200  # last frame of the red shot
    assert read_frame(clip, 8)[..., 2].mean() > 200  # first frame of the blue shot, rescaled


def packets(path):
    with av.open(str(path)) as container:
        return [bytes(packet) for packet in container.demux(video=0) if packet.size]


def test_stitch_copies_the_packets_of_shots_that_share_codec_settings(tmp_path):
    shots = [encode_mp4(noise(9, 48, 64, seed), 8, tmp_path / f"{seed}.mp4") for seed in range(3)]
    clip = stitch(shots, tmp_path / "clip.mp4")
    assert packets(clip) == [packet for shot in shots for packet in packets(shot)], "remuxed, not re-encoded"
    info = probe(clip)
    assert (info.width, info.height, info.frame_count) == (64, 48, 27)
    assert info.duration == pytest.approx(27 / 8, abs=0.01)
    with av.open(str(clip)) as container:
        decoded = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    assert len(decoded) == 27
    assert np.array_equal(decoded[9], read_frame(shots[1], 0)), "each shot starts where it should"
    data = clip.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # still faststart

    # Asked to (or shots of another preset): decoded and encoded again, same frames and timing.
    again = stitch(shots, tmp_path / "again.mp4", reencode=True)
    assert packets(again) != packets(clip) and probe(again).frame_count == 27
    slow = encode_mp4(noise(9, 48, 64, 7), 8, tmp_path / "slow.mp4", preset="medium")
    assert probe(stitch([shots[0], slow], tmp_path / "mixed.mp4")).frame_count == 18


def test_probe_counts_frames_from_the_index_without_decoding(tmp_path, monkeypatch):
    path = encode_mp4(noise(11, 32, 32), 8, tmp_path / "v.mp4")
    monkeypatch.setattr(av.container.InputContainer, "decode", lambda *a, **k: pytest.fail("decoded"))
    assert probe(path).frame_count == 11


def test_fit_to_limit_shrinks_a_noisy_clip(tmp_path):
    src = encode_mp4(noise(30, 96, 128), 12, tmp_path / "noisy.mp4")
    limit = 40_000
    assert probe(src).size_bytes > 4 * limit
    out = fit_to_limit(src, limit, tmp_path / "small.mp4")
    info = probe(out)
    assert info.size_bytes <= limit
    assert info.frame_count == 30 and info.duration == pytest.approx(2.5, abs=0.01)


def test_fit_to_limit_copies_files_already_small_enough(tmp_path):
    src = encode_mp4(solid(8, 32, 32, (9, 9, 9)), 8, tmp_path / "small.mp4")
    out = fit_to_limit(src, 10 * 1024 * 1024, tmp_path / "out.mp4")
    assert out.read_bytes() == src.read_bytes()


@pytest.mark.parametrize(("limit", "seconds"), [(1_500, 2.5), (2_200, 2.5), (2_000, 4.25)])
def test_fit_to_limit_raises_when_impossible(tmp_path, limit, seconds):
    # The long clip asks libx264 for a rate so low it won't open: still an EncodeError, not a raw one.
    src = encode_mp4(noise(round(seconds * 12), 96, 128), 12, tmp_path / "noisy.mp4")
    with pytest.raises(EncodeError) as info:
        fit_to_limit(src, limit, tmp_path / "out.mp4")
    assert "upload limit" in info.value.user_message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["noisy.mp4"]


def test_unreadable_video_is_an_encode_error(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"definitely not a video")
    with pytest.raises(EncodeError):
        probe(bad)
    with pytest.raises(EncodeError):
        read_frame(bad, 0)
