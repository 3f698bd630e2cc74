<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_TW">
<context>
    <name>ControlPanel</name>
    <message>
        <location filename="../../gdplay/ui/controls.py" line="69" />
        <source>Problem</source>
        <translation>問題</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/controls.py" line="89" />
        <source>Lanes</source>
        <translation>跑道</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/controls.py" line="98" />
        <source>Add</source>
        <translation>新增</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/controls.py" line="100" />
        <source>Duplicate</source>
        <translation>複製</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/controls.py" line="102" />
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/controls.py" line="104" />
        <source>Colour…</source>
        <translation>顏色…</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/controls.py" line="119" />
        <source>Optimizer</source>
        <translation>最佳化演算法</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/controls.py" line="125" />
        <source>Schedule</source>
        <translation>學習率排程</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/controls.py" line="134" />
        <source>Speed</source>
        <translation>速度</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/controls.py" line="259" />
        <source>Random directions (filter-normalized)</source>
        <translation>隨機方向（依濾波器正規化）</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/controls.py" line="260" />
        <source>Two weights</source>
        <translation>兩個權重</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/controls.py" line="261" />
        <source>PCA of the first lane's path</source>
        <translation>第一條跑道路徑的主成分</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/controls.py" line="262" />
        <source>Slice</source>
        <translation>切面</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/controls.py" line="268" />
        <source>Weights i, j</source>
        <translation>權重 i、j</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/controls.py" line="269" />
        <source>Redraw slice</source>
        <translation>重畫切面</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/controls.py" line="387" />
        <source>Lane colour</source>
        <translation>跑道顏色</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/controls.py" line="470" />
        <source>as fast as possible</source>
        <translation>盡可能快</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/controls.py" line="472" />
        <source>%1 steps/s</source>
        <translation>每秒 %1 步</translation>
    </message>
</context>
<context>
    <name>Crash</name>
    <message>
        <location filename="../../gdplay/ui/crash.py" line="107" />
        <source>Something went wrong</source>
        <translation>發生錯誤</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/crash.py" line="108" />
        <source>gdplay hit an unexpected error and kept running:</source>
        <translation>gdplay 遇到預期外的錯誤，但仍繼續執行：</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/crash.py" line="111" />
        <source>Details were saved to %1</source>
        <translation>詳細資料已儲存到 %1</translation>
    </message>
</context>
<context>
    <name>FitView</name>
    <message>
        <location filename="../../gdplay/ui/views.py" line="819" />
        <source>Data and predictions</source>
        <translation>資料與預測</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/views.py" line="848" />
        <source>Predicted vs true (%1 of %2 samples)</source>
        <translation>預測值對真實值（%2 筆樣本中的 %1 筆）</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/views.py" line="851" />
        <source>Predicted vs true</source>
        <translation>預測值對真實值</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/views.py" line="823" />
        <source>true</source>
        <translation>真實值</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/views.py" line="824" />
        <source>predicted</source>
        <translation>預測值</translation>
    </message>
</context>
<context>
    <name>Inspector</name>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="169" />
        <source>Lane</source>
        <translation>跑道</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="171" />
        <source>Follow the newest step</source>
        <translation>跟隨最新一步</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="187" />
        <source>Continue from here</source>
        <translation>從這裡繼續</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="189" />
        <source>Every lane back to this step; the steps after it are replaced</source>
        <translation>所有跑道回到這一步；之後的步驟會被取代</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="193" />
        <source>Fork lane here</source>
        <translation>從這裡分岔出新跑道</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="195" />
        <source>A new lane that continues this one from this step</source>
        <translation>從這一步接續這條跑道的新跑道</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="200" />
        <source>new lr (optional)</source>
        <translation>新的學習率（可選）</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="238" />
        <source>Check gradient</source>
        <translation>檢查梯度</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="240" />
        <source>Compare the analytic gradient at the current point with central finite differences</source>
        <translation>在目前的點比較解析梯度與中央有限差分</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="251" />
        <source>Step</source>
        <translation>步驟</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="258" />
        <source>Chain rule</source>
        <translation>連鎖律</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="266" />
        <location filename="../../gdplay/ui/inspector.py" line="338" />
        <source>any lane</source>
        <translation>任一跑道</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="267" />
        <source>Pause when, on</source>
        <translation>暫停的條件，跑道</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="271" />
        <source>the loss goes up</source>
        <translation>損失上升</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="272" />
        <source>the gradient norm rises above</source>
        <translation>梯度範數超過</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="273" />
        <source>a value becomes non-finite</source>
        <translation>出現非有限值</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="274" />
        <source>the loss falls below</source>
        <translation>損失低於</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="275" />
        <source>step number</source>
        <translation>步數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="276" />
        <source>ADMM residuals are within tolerance</source>
        <translation>ADMM 殘差在容許值內</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="303" />
        <source>Breakpoints</source>
        <translation>中斷點</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="310" />
        <source>step</source>
        <translation>步數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="313" />
        <source>primal r</source>
        <translation>原始殘差 r</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="314" />
        <source>dual s</source>
        <translation>對偶殘差 s</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="315" />
        <source>tolerance of r</source>
        <translation>r 的容許值</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="317" />
        <source>tolerance of s</source>
        <translation>s 的容許值</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="320" />
        <source>ADMM residuals</source>
        <translation>ADMM 殘差</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="377" />
        <location filename="../../gdplay/ui/inspector.py" line="388" />
        <source>parameter</source>
        <translation>參數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="378" />
        <source>Step 0 of %1: the start, loss %2</source>
        <translation>%1 的第 0 步：起點，損失 %2</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="394" />
        <source>%1, step %2 (%3): loss after the step %4</source>
        <translation>%1，第 %2 步（%3）：這一步之後的損失 %4</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="426" />
        <source>The chain rule is written out for the network and for the chain-rule example (x² + 3)².</source>
        <translation>神經網路與連鎖律範例 (x² + 3)² 會在這裡寫出連鎖律的每一項。</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="455" />
        <source>passes</source>
        <translation>通過</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="455" />
        <source>FAILS</source>
        <translation>未通過</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="457" />
        <source>%1: relative error %2 (%3)</source>
        <translation>%1：相對誤差 %2（%3）</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="514" />
        <source>checking…</source>
        <translation>檢查中…</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/inspector.py" line="530" />
        <source>“%1” is not a number</source>
        <translation>「%1」不是數字</translation>
    </message>
</context>
<context>
    <name>LessonPanel</name>
    <message>
        <location filename="../../gdplay/ui/lesson_panel.py" line="63" />
        <source>No lesson open</source>
        <translation>尚未開啟課程</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/lesson_panel.py" line="64" />
        <source>Choose one from the Lessons menu.</source>
        <translation>請從「課程」選單選擇一課。</translation>
    </message>
</context>
<context>
    <name>LossView</name>
    <message>
        <location filename="../../gdplay/ui/views.py" line="557" />
        <source>step</source>
        <translation>步數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/views.py" line="558" />
        <source>loss</source>
        <translation>損失</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/views.py" line="701" />
        <source>%1: step %2, loss %3</source>
        <translation>%1：第 %2 步，損失 %3</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="172" />
        <source>gdplay: gradient descent playground</source>
        <extracomment>ask "Save changes?" when closing with unsaved work (the tests turn it off: no one answers a dialog there)</extracomment>
        <translation>gdplay：梯度下降遊樂場</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="178" />
        <source>Log scale</source>
        <translation>對數刻度</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="210" />
        <source>Step inspector</source>
        <translation>步驟檢視器</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="220" />
        <source>Lesson</source>
        <translation>課程</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="253" />
        <location filename="../../gdplay/ui/main_window.py" line="270" />
        <location filename="../../gdplay/ui/main_window.py" line="674" />
        <source>Run</source>
        <translation>執行</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="271" />
        <source>Run or pause</source>
        <translation>執行或暫停</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="272" />
        <source>Step</source>
        <translation>一步</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="274" />
        <source>One step of every running lane</source>
        <translation>每條執行中的跑道各走一步</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="275" />
        <source>Step ×10</source>
        <translation>十步</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="277" />
        <source>Ten steps</source>
        <translation>走十步</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="278" />
        <source>Reset</source>
        <translation>重設</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="279" />
        <source>Back to step 0</source>
        <translation>回到第 0 步</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="285" />
        <source>&amp;File</source>
        <translation>檔案(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="288" />
        <source>Open…</source>
        <translation>開啟…</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="289" />
        <source>Save</source>
        <translation>儲存</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="290" />
        <source>Save As…</source>
        <translation>另存新檔…</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="297" />
        <source>Recent files</source>
        <translation>最近的檔案</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="301" />
        <source>Quit</source>
        <translation>結束</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="321" />
        <location filename="../../gdplay/ui/main_window.py" line="846" />
        <source>Save session</source>
        <translation>儲存工作階段</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="322" />
        <location filename="../../gdplay/ui/main_window.py" line="330" />
        <location filename="../../gdplay/ui/main_window.py" line="847" />
        <source>gdplay session (*.gdplay)</source>
        <translation>gdplay 工作階段 (*.gdplay)</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="329" />
        <source>Open session</source>
        <translation>開啟工作階段</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="457" />
        <source>Autosave failed: %1</source>
        <translation>自動儲存失敗：%1</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="492" />
        <location filename="../../gdplay/ui/main_window.py" line="497" />
        <source>Restore</source>
        <translation>還原</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="493" />
        <source>gdplay did not close normally last time. Restore the session it saved at %1?</source>
        <translation>gdplay 上次沒有正常關閉。要還原它在 %1 自動儲存的工作階段嗎？</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="499" />
        <source>Discard</source>
        <translation>捨棄</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="521" />
        <source>Saved %1</source>
        <translation>已儲存 %1</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="535" />
        <source>Opened %1</source>
        <translation>已開啟 %1</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="542" />
        <source>Restored the session saved before gdplay closed</source>
        <translation>已還原 gdplay 關閉前自動儲存的工作階段</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="553" />
        <location filename="../../gdplay/ui/main_window.py" line="855" />
        <source>File</source>
        <translation>檔案</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="559" />
        <source>&amp;Lessons</source>
        <translation>課程(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="569" />
        <source>(damaged lesson)</source>
        <translation>（損壞的課程）</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="576" />
        <source>&amp;View</source>
        <translation>檢視(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="578" />
        <source>Presenter mode</source>
        <translation>簡報模式</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="586" />
        <source>Dark theme</source>
        <translation>深色主題</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="591" />
        <source>Language</source>
        <translation>語言</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="665" />
        <source>Drawing the map: %1% done</source>
        <translation>正在繪製地形圖：已完成 %1%</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="674" />
        <source>Pause</source>
        <translation>暫停</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="678" />
        <source>Error: %1</source>
        <translation>錯誤：%1</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="681" />
        <source>A step failed</source>
        <translation>某一步發生錯誤</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="682" />
        <source>The run was paused. Details:</source>
        <translation>已暫停執行。詳細資料：</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="706" />
        <source>Breakpoint: %1</source>
        <translation>中斷點：%1</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="709" />
        <source>Not applied: %1</source>
        <translation>未套用：%1</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="785" />
        <source>Step %1</source>
        <translation>第 %1 步</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="787" />
        <source>%1 steps/s</source>
        <translation>每秒 %1 步</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="792" />
        <source>diverged</source>
        <translation>發散</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="834" />
        <source>Unsaved changes</source>
        <translation>尚未儲存的變更</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/main_window.py" line="835" />
        <source>The session has changes that are not saved. Save them before closing?</source>
        <translation>工作階段有尚未儲存的變更。要在關閉前儲存嗎？</translation>
    </message>
</context>
<context>
    <name>Param</name>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="33" />
        <source>standard deviation of Gaussian noise added to each gradient</source>
        <translation>加到每個梯度上的高斯雜訊標準差</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="34" />
        <source>clip each gradient to this Euclidean norm (none: no clipping)</source>
        <translation>把每個梯度裁切到這個歐氏範數（none：不裁切）</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="35" />
        <source>seed of the gradient noise (and, for networks, data and weights)</source>
        <translation>梯度雜訊的亂數種子（神經網路也用於資料與權重）</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="36" />
        <source>the large gradient, every third step</source>
        <translation>每三步出現一次的大梯度</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="37" />
        <source>the function, e.g. x**2 + 3*sin(y)</source>
        <translation>函數，例如 x**2 + 3*sin(y)</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="38" />
        <source>the view is [-extent, extent] in every variable</source>
        <translation>每個變數的顯示範圍為 [−extent, extent]</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="39" />
        <source>training data</source>
        <translation>訓練資料</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="40" />
        <source>sizes of the two hidden layers (scalar_chain: always 1, 1)</source>
        <translation>兩個隱藏層的大小（scalar_chain 固定為 1, 1）</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="41" />
        <source>activation after each hidden layer</source>
        <translation>每個隱藏層之後的激活函數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="42" />
        <source>number of training samples</source>
        <translation>訓練樣本數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="43" />
        <source>minibatch size (none: full batch)</source>
        <translation>小批次大小（none：使用全部資料）</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="44" />
        <source>add a bias to every layer</source>
        <translation>每一層加上偏差項</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="45" />
        <source>learning rate</source>
        <translation>學習率</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="46" />
        <source>momentum factor mu</source>
        <translation>動量係數 mu</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="47" />
        <source>dampening of the gradient added to the momentum</source>
        <translation>加入動量的梯度的阻尼</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="48" />
        <source>Nesterov momentum (needs momentum &gt; 0, dampening 0)</source>
        <translation>Nesterov 動量（需要動量 &gt; 0、阻尼為 0）</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="49" />
        <source>L2 penalty added to the gradient</source>
        <translation>加到梯度上的 L2 懲罰</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="50" />
        <source>decay rates of the first and second moments</source>
        <translation>一階與二階動差的衰減率</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="51" />
        <source>added to the denominator for numerical safety</source>
        <translation>為了數值穩定加在分母上的值</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="52" />
        <source>L2 penalty added to the gradient (not decoupled: see adamw)</source>
        <translation>加到梯度上的 L2 懲罰（非解耦，請見 adamw）</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="53" />
        <source>use the maximum of past second moments (AMSGrad)</source>
        <translation>使用過去二階動差的最大值（AMSGrad）</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="54" />
        <source>decoupled weight decay: p = p (1 - lr weight_decay) each step</source>
        <translation>解耦的權重衰減：每一步 p = p (1 − lr × weight_decay)</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="55" />
        <source>pytorch: torch's bias-corrected form; reddi: the paper's Algorithm 2</source>
        <translation>pytorch：torch 含偏差修正的形式；reddi：論文中的演算法 2</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="56" />
        <source>penalty parameter of the augmented Lagrangian</source>
        <translation>擴增拉格朗日函數的懲罰參數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="57" />
        <source>Adam steps per outer iteration (K)</source>
        <translation>每次外層迭代的 Adam 步數（K）</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="58" />
        <source>r(z): l1, box, l2_ball, ridge or topk</source>
        <translation>r(z)：l1、box、l2_ball、ridge 或 topk</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="59" />
        <source>strength of l1 / ridge</source>
        <translation>l1 / ridge 的強度</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="60" />
        <source>box lower bound</source>
        <translation>方框下限</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="61" />
        <source>box upper bound</source>
        <translation>方框上限</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="62" />
        <source>l2 ball radius</source>
        <translation>L2 球的半徑</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="63" />
        <source>topk: number of nonzeros kept</source>
        <translation>topk：保留的非零個數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="64" />
        <source>absolute tolerance of the residuals</source>
        <translation>殘差的絕對容許值</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="65" />
        <source>relative tolerance of the residuals</source>
        <translation>殘差的相對容許值</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="66" />
        <source>residual balancing (Boyd et al. 2011, 3.4.1)</source>
        <translation>殘差平衡（Boyd 等人 2011，3.4.1 節）</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="67" />
        <source>balancing: ratio of residuals that triggers a change</source>
        <translation>殘差平衡：觸發調整的殘差比例</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="68" />
        <source>balancing: factor by which rho changes</source>
        <translation>殘差平衡：rho 調整的倍數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="69" />
        <source>smoothing constant of the squared-gradient average</source>
        <translation>梯度平方平均的平滑常數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="70" />
        <source>momentum factor</source>
        <translation>動量係數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="71" />
        <source>normalize by the estimated variance of the gradient</source>
        <translation>以估計的梯度變異數正規化</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="72" />
        <source>learning-rate decay</source>
        <translation>學習率衰減</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="73" />
        <source>starting value of the sum s</source>
        <translation>累加和 s 的初始值</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="74" />
        <source>steps between decays</source>
        <translation>兩次衰減之間的步數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="75" />
        <source>factor at each decay</source>
        <translation>每次衰減的倍數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="76" />
        <source>factor per step</source>
        <translation>每一步的倍數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="77" />
        <source>steps of one half cosine</source>
        <translation>半個餘弦週期的步數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="78" />
        <source>smallest learning rate</source>
        <translation>最小學習率</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="79" />
        <source>steps of the linear warm-up</source>
        <translation>線性暖身的步數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="80" />
        <source>fraction of lr at the first step</source>
        <translation>第一步使用的學習率比例</translation>
    </message>
</context>
<context>
    <name>ParamForm</name>
    <message>
        <location filename="../../gdplay/ui/param_form.py" line="59" />
        <source>Allowed: %1</source>
        <translation>允許的值：%1</translation>
    </message>
</context>
<context>
    <name>Problem</name>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="7" />
        <source>Convex parabola</source>
        <translation>凸的拋物線</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="8" />
        <source>Chain rule: (x^2 + 3)^2</source>
        <translation>連鎖律：(x^2 + 3)^2</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="9" />
        <source>Non-convex quartic (two minima)</source>
        <translation>非凸的四次函數（兩個最小值）</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="10" />
        <source>Ill-conditioned quadratic</source>
        <translation>病態的二次函數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="11" />
        <source>Ill-conditioned quadratic, rotated 45 degrees</source>
        <translation>病態的二次函數，旋轉 45 度</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="12" />
        <source>Rosenbrock</source>
        <translation>Rosenbrock 函數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="13" />
        <source>Beale</source>
        <translation>Beale 函數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="14" />
        <source>Himmelblau</source>
        <translation>Himmelblau 函數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="15" />
        <source>Rastrigin</source>
        <translation>Rastrigin 函數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="16" />
        <source>Booth</source>
        <translation>Booth 函數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="17" />
        <source>Six-hump camel</source>
        <translation>六峰駝背函數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="18" />
        <source>Saddle</source>
        <translation>鞍點</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="19" />
        <source>Reddi's counterexample (Adam fails)</source>
        <translation>Reddi 的反例（Adam 失敗）</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="20" />
        <source>Your own function</source>
        <translation>自訂函數</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="21" />
        <source>The seed's two-layer network</source>
        <translation>教材中的兩層神經網路</translation>
    </message>
</context>
<context>
    <name>Schedule</name>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="25" />
        <source>constant</source>
        <translation>固定</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="26" />
        <source>step</source>
        <translation>階梯衰減</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="27" />
        <source>exponential</source>
        <translation>指數衰減</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="28" />
        <source>cosine</source>
        <translation>餘弦退火</translation>
    </message>
    <message>
        <location filename="../../gdplay/ui/dynamic_strings.py" line="29" />
        <source>warmup</source>
        <translation>線性暖身</translation>
    </message>
</context>
</TS>