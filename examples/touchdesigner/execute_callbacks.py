# Execute DAT (Frame Start on): keeps the stream alive while the project runs.

def onFrameStart(frame):
    op('cadenza').module.frame(frame)
    op('cadenza_chop').cook(force=True)  # the Script CHOP reads the clock: refresh it every frame
    return
