# Callbacks DAT of the Script CHOP: one sample per channel, refreshed every frame.

def onSetupParameters(scriptOp):
    return


def onCook(scriptOp):
    op('cadenza').module.cook(scriptOp)
    return
