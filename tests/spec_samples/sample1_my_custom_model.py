from evalscope.models import CustomModel
from typing import List

class MyCustomModel(CustomModel):
    def __init__(self, config: dict = None, **kwargs):
        # 初始化您的模型,可以在config中传入模型参数
        super(MyCustomModel, self).__init__(config=config, **kwargs)
        
        # 根据需要初始化模型资源
        # 例如:加载模型权重、连接到模型服务等
        
    def predict(self, prompts: List[dict], **kwargs):
        """
        模型推理的核心方法,接收输入提示并返回模型响应
        
        Args:
            prompts: 输入提示列表,每个元素是一个字典
            **kwargs: 额外的推理参数
            
        Returns:
            与OpenAI API格式兼容的响应列表
        """
        # 1. 处理输入提示
        # 2. 调用您的模型进行推理
        # 3. 将模型输出转换为OpenAI API格式
        # 4. 返回格式化后的响应
